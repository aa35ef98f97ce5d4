/* hallway-path.c: WebDAV request paths confined to a shared folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A request path is split and decoded here into plain names, each checked
 * on its own, and then opened below the share's directory descriptor with
 * openat2(2) and RESOLVE_BENEATH, so the kernel itself refuses anything
 * that would end up outside, however the tree changes under us. Where
 * openat2() is missing, the path is walked one name at a time and no
 * symbolic link is followed at all.
 */
#include "config.h"

#include "hallway-path.h"
#include "hallway-path-private.h"

#include "hallway-error.h"
#include "hallway-unicode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#if defined(__has_include)
# if __has_include(<linux/openat2.h>)
#  include <linux/openat2.h>
# endif
#endif

#ifndef RESOLVE_BENEATH
/* From <linux/openat2.h> (Linux 5.6), for older headers. */
struct open_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
# define RESOLVE_NO_XDEV       0x01
# define RESOLVE_NO_MAGICLINKS 0x02
# define RESOLVE_NO_SYMLINKS   0x04
# define RESOLVE_BENEATH       0x08
#endif

/* Without SYS_openat2 from the C library we do not guess the number (it
 * differs on MIPS and Alpha): the fallback is used instead. */
#ifdef SYS_openat2
# define HAVE_OPENAT2 1
#endif

/* How much of a hostile name an error message may quote. */
#define MAX_QUOTED_BYTES 32

/* openat2() returns EAGAIN when a rename or mount raced with resolving
 * "..", which only symbolic links can bring in here. Retrying is what the
 * man page asks for; the limit stops a hostile local process from keeping
 * us busy. */
#define MAX_OPENAT2_RETRIES 16

typedef enum
{
  OPENAT2_UNKNOWN,
  OPENAT2_ENABLED,
  OPENAT2_DISABLED,
} Openat2State;

static int openat2_state = OPENAT2_UNKNOWN;  /* (atomic) */

/* Helpers */

#ifdef HAVE_OPENAT2
static int
sys_openat2 (int                     dirfd,
             const char             *path,
             const struct open_how  *how)
{
  return (int) syscall (SYS_openat2, dirfd, path, how, sizeof *how);
}
#endif

/* Decides once whether openat2() can be used: not when the test variable
 * asks for the fallback, nor when the kernel lacks it (ENOSYS) or a seccomp
 * filter refuses it (EPERM; opening "/" as O_PATH cannot fail that way
 * otherwise). */
static gboolean
probe_openat2 (void)
{
#ifdef HAVE_OPENAT2
  struct open_how how = { 0, };
  int fd;

  if (g_strcmp0 (g_getenv ("HALLWAY_TEST_NO_OPENAT2"), "1") == 0)
    {
      g_debug ("openat2() disabled by HALLWAY_TEST_NO_OPENAT2");
      return FALSE;
    }

  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  fd = sys_openat2 (AT_FDCWD, "/", &how);
  if (fd >= 0)
    {
      close (fd);
      return TRUE;
    }
  if (errno == ENOSYS || errno == EPERM)
    {
      g_debug ("openat2() is not available (%s); symbolic links will not be followed",
               g_strerror (errno));
      return FALSE;
    }

  return TRUE;
#else
  return FALSE;
#endif
}

static gboolean
openat2_enabled (void)
{
  int state = g_atomic_int_get (&openat2_state);

  if (state == OPENAT2_UNKNOWN)
    {
      state = probe_openat2 () ? OPENAT2_ENABLED : OPENAT2_DISABLED;
      /* Another thread may have decided first, or a test forced a mode. */
      g_atomic_int_compare_and_exchange (&openat2_state, OPENAT2_UNKNOWN, state);
      state = g_atomic_int_get (&openat2_state);
    }

  return state == OPENAT2_ENABLED;
}

gboolean
_hallway_path_get_openat2_enabled (void)
{
  return openat2_enabled ();
}

void
_hallway_path_set_openat2_enabled (gboolean enabled)
{
#ifndef HAVE_OPENAT2
  enabled = FALSE;
#endif
  g_atomic_int_set (&openat2_state, enabled ? OPENAT2_ENABLED : OPENAT2_DISABLED);
}

/* Quotes at most MAX_QUOTED_BYTES of untrusted bytes for an error message,
 * printable ASCII as is and everything else as \xNN, so a message can never
 * carry terminal escapes, invalid UTF-8 or a megabyte of junk into a log. */
static char *
dup_quoted (const char *data,
            gsize       len)
{
  GString *out = g_string_sized_new (MAX_QUOTED_BYTES + 8);
  gsize i;

  for (i = 0; i < len && i < MAX_QUOTED_BYTES; i++)
    {
      guchar c = (guchar) data[i];

      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  if (i < len)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

/* Sets @error from a message with one %s, which gets @raw quoted. */
G_GNUC_PRINTF (3, 0)
static void
set_component_error (GError     **error,
                     int          code,
                     const char  *format,
                     const char  *raw,
                     gsize        raw_len)
{
  g_autofree char *quoted = NULL;
  g_autofree char *message = NULL;

  if (error == NULL)
    return;

  quoted = dup_quoted (raw, raw_len);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  message = g_strdup_printf (format, quoted);
#pragma GCC diagnostic pop
  g_set_error_literal (error, HALLWAY_ERROR, code, message);
}

/* Checks one decoded name. @raw is what the client sent for it, quoted in
 * messages; NULL for names that did not come from a request. */
static gboolean
check_component (const char  *name,
                 gsize        len,
                 gboolean     allow_hidden,
                 const char  *raw,
                 gsize        raw_len,
                 GError     **error)
{
  HallwayCharKind kind = HALLWAY_CHAR_VISIBLE;

  if (raw == NULL)
    {
      raw = name;
      raw_len = len;
    }

  if (len == 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Path has an empty name in it"));
      return FALSE;
    }

  if (len > HALLWAY_PATH_MAX_COMPONENT)
    {
      set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                           /* Translators: %s is the start of a file name, escaped. */
                           _("Name ‘%s’ is too long"),
                           raw, raw_len);
      return FALSE;
    }

  /* A slash or backslash smuggled inside a name would be a separator to
   * the file system, or to a Windows client that later gets the name. */
  if (memchr (name, '/', len) != NULL || memchr (name, '\\', len) != NULL)
    {
      set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                           /* Translators: %s is a file name, escaped. */
                           _("Name ‘%s’ contains a slash"),
                           raw, raw_len);
      return FALSE;
    }

  if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _("Path contains “.” or “..”, which is not allowed"));
      return FALSE;
    }

  /* NUL and the other C0 controls are single bytes in UTF-8, so checking
   * bytes first also covers names that are not valid UTF-8. */
  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) name[i] < 0x20 || name[i] == 0x7f)
        {
          set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is a file name, escaped. */
                               _("Name ‘%s’ contains a control character"),
                               raw, raw_len);
          return FALSE;
        }
    }

  /* g_utf8_validate() also refuses overlong forms ("%c0%af" for '/'),
   * surrogates and code points beyond U+10FFFF. */
  if (!g_utf8_validate_len (name, len, NULL))
    {
      set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                           /* Translators: %s is a file name, escaped. */
                           _("Name ‘%s’ is not valid UTF-8"),
                           raw, raw_len);
      return FALSE;
    }

  /* C1 controls (U+0080 to U+009F) are two bytes long; U+009B is a
   * terminal escape as good as ESC. Invisible formatting would make the
   * name show as another: "photo<U+202E>gpj.desktop" as a picture. */
  if (hallway_utf8_find_unsafe (name, len, &kind) != NULL)
    {
      if (kind == HALLWAY_CHAR_CONTROL)
        set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                             /* Translators: %s is a file name, escaped. */
                             _("Name ‘%s’ contains a control character"),
                             raw, raw_len);
      else
        set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                             /* Translators: %s is a file name, escaped. */
                             _("Name ‘%s’ contains an invisible formatting character"),
                             raw, raw_len);
      return FALSE;
    }

  /* Answered like a missing file, so hidden names are not even confirmed
   * to exist. */
  if (!allow_hidden && name[0] == '.')
    {
      set_component_error (error, HALLWAY_ERROR_NOT_FOUND,
                           /* Translators: %s is a file name, escaped. */
                           _("‘%s’ is hidden"),
                           raw, raw_len);
      return FALSE;
    }

  return TRUE;
}

/* Percent-decodes @raw_len bytes of @raw. The result may contain NUL
 * bytes; its length goes to @out_len. */
static char *
decode_component (const char  *raw,
                  gsize        raw_len,
                  gsize       *out_len,
                  GError     **error)
{
  g_autofree char *out = g_malloc (raw_len + 1);
  gsize n = 0;

  for (gsize i = 0; i < raw_len; i++)
    {
      int hi;
      int lo;

      if (raw[i] != '%')
        {
          out[n++] = raw[i];
          continue;
        }

      if (i + 2 >= raw_len)
        hi = lo = -1;
      else
        {
          hi = g_ascii_xdigit_value (raw[i + 1]);
          lo = g_ascii_xdigit_value (raw[i + 2]);
        }

      if (hi < 0 || lo < 0)
        {
          set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is part of a web address, escaped. */
                               _("Path ‘%s’ has an invalid percent escape"),
                               raw, raw_len);
          return NULL;
        }

      out[n++] = (char) ((hi << 4) | lo);
      i += 2;
    }

  out[n] = '\0';
  *out_len = n;

  return g_steal_pointer (&out);
}

/* Checks names handed to the open functions. They should have come from
 * hallway_path_split(), but a mistake in a caller must not open anything
 * outside the share, so they are checked again (hidden names excepted:
 * that is a policy of the share, applied when splitting). */
static gboolean
check_components (const char * const  *components,
                  gsize                max,
                  gsize               *out_n,
                  GError             **error)
{
  gsize total = 0;
  gsize n;

  for (n = 0; components != NULL && components[n] != NULL; n++)
    {
      gsize len = strlen (components[n]);

      if (n >= max)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               _("Path has too many folders in it"));
          return FALSE;
        }

      if (!check_component (components[n], len, TRUE, NULL, 0, error))
        return FALSE;

      total += len + (n > 0 ? 1 : 0);
      if (total > HALLWAY_PATH_MAX_TOTAL)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               _("Path is too long"));
          return FALSE;
        }
    }

  *out_n = n;
  return TRUE;
}

/* Turns a failed open into an error; errno is kept for callers that need
 * to tell EEXIST or EISDIR apart. */
static void
set_open_error (GError   **error,
                int        errsv,
                gboolean   follows_symlinks)
{
  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                           _("No such file or folder"));
      break;

    case EXDEV:
    case ELOOP:
      if (follows_symlinks)
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                             _("The path leads outside the shared folder"));
      else
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                             _("The path goes through a symbolic link, which is not followed"));
      break;

    case EACCES:
    case EPERM:
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _("Permission denied"));
      break;

    case ENAMETOOLONG:
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Path is too long"));
      break;

    default:
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   /* Translators: %s is a system error message. */
                   _("Could not open the file or folder: %s"),
                   g_strerror (errsv));
      break;
    }

  errno = errsv;
}

#ifdef HAVE_OPENAT2
/* Returns the descriptor, or -1 with errno set. */
static int
open_beneath (int                  root_fd,
              const char * const  *components,
              gsize                n,
              int                  flags,
              mode_t               mode)
{
  g_autoptr(GString) path = g_string_new (n == 0 ? "." : NULL);
  struct open_how how = { 0, };
  int fd = -1;

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (path, '/');
      g_string_append (path, components[i]);
    }

  how.flags = (uint64_t) (flags | O_CLOEXEC | O_LARGEFILE);
  /* openat2() refuses a mode where open() ignores it. */
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
    how.mode = mode;
  /* Every step, including symbolic links inside the share, stays below
   * root_fd: absolute links and ".." past the root fail with EXDEV, as do
   * mount points; /proc magic links fail with ELOOP. */
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

  for (int attempt = 0; attempt < MAX_OPENAT2_RETRIES; attempt++)
    {
      fd = sys_openat2 (root_fd, path->str, &how);
      if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
        break;
    }

  return fd;
}
#endif

/* Fails with ELOOP if @fd is a symbolic link or with EXDEV if it is on
 * another file system than the share; closes @fd then. */
static int
check_walked (int    fd,
              dev_t  root_dev)
{
  struct stat st;
  int errsv;

  if (fstat (fd, &st) != 0)
    errsv = errno;
  else if (S_ISLNK (st.st_mode))
    errsv = ELOOP;
  else if (st.st_dev != root_dev)
    errsv = EXDEV;
  else
    return fd;

  close (fd);
  errno = errsv;
  return -1;
}

/* After ENOTDIR from an O_NOFOLLOW|O_DIRECTORY open, tells a symbolic
 * link (ELOOP) from a plain file (ENOTDIR). */
static int
classify_notdir (int         dirfd,
                 const char *name)
{
  struct stat st;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return ELOOP;

  return ENOTDIR;
}

/* The fallback for kernels before 5.6: one name at a time, never following
 * a symbolic link, so each step is confined by construction. Returns the
 * descriptor, or -1 with errno set. */
static int
open_walking (int                  root_fd,
              const char * const  *components,
              gsize                n,
              int                  flags,
              mode_t               mode)
{
  struct stat root_st;
  int dirfd = -1;  /* (owned) unless equal to root_fd */
  int fd;
  int errsv;

  if (fstat (root_fd, &root_st) != 0)
    return -1;

  if (n == 0)
    {
      fd = openat (root_fd, ".", flags | O_CLOEXEC, mode);
      return fd >= 0 ? check_walked (fd, root_st.st_dev) : -1;
    }

  dirfd = root_fd;
  for (gsize i = 0; i + 1 < n; i++)
    {
      /* O_PATH needs only search permission, like path resolution. */
      fd = openat (dirfd, components[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          errsv = errno == ENOTDIR ? classify_notdir (dirfd, components[i]) : errno;
          if (dirfd != root_fd)
            close (dirfd);
          errno = errsv;
          return -1;
        }

      if (dirfd != root_fd)
        close (dirfd);
      dirfd = check_walked (fd, root_st.st_dev);
      if (dirfd < 0)
        return -1;
    }

  /* With O_PATH, O_NOFOLLOW opens a symbolic link itself instead of
   * failing; check_walked() refuses it then. */
  fd = openat (dirfd, components[n - 1], flags | O_NOFOLLOW | O_CLOEXEC, mode);
  errsv = errno;
  if (fd < 0 && errsv == ENOTDIR)
    errsv = classify_notdir (dirfd, components[n - 1]);
  if (dirfd != root_fd)
    close (dirfd);
  if (fd < 0)
    {
      errno = errsv;
      return -1;
    }

  return check_walked (fd, root_st.st_dev);
}

/* Opens @n checked @components. */
static int
open_components (int                  root_fd,
                 const char * const  *components,
                 gsize                n,
                 int                  flags,
                 mode_t               mode,
                 GError             **error)
{
  gboolean beneath = openat2_enabled ();
  int fd = -1;

#ifdef HAVE_OPENAT2
  if (beneath)
    {
      fd = open_beneath (root_fd, components, n, flags, mode);
      if (fd < 0 && errno == ENOSYS)
        {
          g_debug ("openat2() is not available; symbolic links will not be followed");
          g_atomic_int_set (&openat2_state, OPENAT2_DISABLED);
          beneath = FALSE;
        }
    }
#endif

  if (!beneath)
    fd = open_walking (root_fd, components, n, flags, mode);

  if (fd < 0)
    set_open_error (error, errno, beneath);

  return fd;
}

/* Splitting */

/**
 * hallway_path_split:
 * @raw_path: the request path below the share, still percent-encoded,
 *   without a leading slash: `docs/My%20File.txt`, `a/b/` or `""`
 * @allow_hidden: whether names starting with `.` may be reached
 * @error: return location for an error
 *
 * Splits a request path on `/` and then percent-decodes each name, so an
 * encoded `%2F` is part of a name (and refused), never a separator.
 *
 * A single trailing `/` is allowed (it names a folder) and ignored. Refused
 * are: a leading `/`, empty names (`a//b`), invalid or truncated percent
 * escapes, `.` and `..` however encoded, `/` or `\` inside a name, NUL and
 * other control characters (U+0000 to U+001F and U+007F to U+009F),
 * invisible formatting such as bidi controls (see
 * [func@Hallway.unichar_kind]), invalid UTF-8 (overlong forms included), names over
 * %HALLWAY_PATH_MAX_COMPONENT bytes, more than %HALLWAY_PATH_MAX_DEPTH
 * names, more than %HALLWAY_PATH_MAX_TOTAL bytes in all, and, unless
 * @allow_hidden, names starting with `.`.
 *
 * The errors are [error@Hallway.Error.ACCESS_DENIED] for `.` and `..`,
 * [error@Hallway.Error.NOT_FOUND] for hidden names (so they look absent;
 * only once the rest of the path is known to be well-formed) and
 * [error@Hallway.Error.INVALID_ARGUMENT] for everything else. Messages
 * quote at most a few escaped bytes of the path.
 *
 * Returns: (transfer full) (array zero-terminated=1): the decoded names,
 *   an empty array for the share itself, or `NULL` with @error set
 */
GStrv
hallway_path_split (const char  *raw_path,
                    gboolean     allow_hidden,
                    GError     **error)
{
  g_autoptr(GPtrArray) components = NULL;
  const char *hidden = NULL;  /* the first hidden name, as sent */
  gsize hidden_len = 0;
  const char *p;
  gsize total = 0;

  g_return_val_if_fail (raw_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (raw_path[0] == '/')
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Path must be relative to the shared folder"));
      return NULL;
    }

  components = g_ptr_array_new_with_free_func (g_free);

  p = raw_path;
  while (*p != '\0')
    {
      const char *slash = strchr (p, '/');
      gsize raw_len = slash != NULL ? (gsize) (slash - p) : strlen (p);
      g_autofree char *name = NULL;
      gsize len = 0;

      if (raw_len == 0)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               _("Path has an empty name in it"));
          return NULL;
        }

      if (components->len >= HALLWAY_PATH_MAX_DEPTH)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               _("Path has too many folders in it"));
          return NULL;
        }

      /* Each decoded byte takes at most three, so this refuses a huge name
       * before copying it. */
      if (raw_len > 3 * HALLWAY_PATH_MAX_COMPONENT)
        {
          set_component_error (error, HALLWAY_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is the start of a file name, escaped. */
                               _("Name ‘%s’ is too long"),
                               p, raw_len);
          return NULL;
        }

      name = decode_component (p, raw_len, &len, error);
      if (name == NULL)
        return NULL;

      if (!check_component (name, len, TRUE, p, raw_len, error))
        return NULL;
      if (hidden == NULL && name[0] == '.')
        {
          hidden = p;
          hidden_len = raw_len;
        }

      total += len + (components->len > 0 ? 1 : 0);
      if (total > HALLWAY_PATH_MAX_TOTAL)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               _("Path is too long"));
          return NULL;
        }

      g_ptr_array_add (components, g_steal_pointer (&name));

      if (slash == NULL)
        break;
      p = slash + 1;
    }

  /* Checked last, so a malformed path is refused as such whether or not
   * it also has a hidden name in it. */
  if (!allow_hidden && hidden != NULL)
    {
      set_component_error (error, HALLWAY_ERROR_NOT_FOUND,
                           /* Translators: %s is a file name, escaped. */
                           _("‘%s’ is hidden"),
                           hidden, hidden_len);
      return NULL;
    }

  g_ptr_array_add (components, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&components), FALSE);
}

/**
 * hallway_path_component_is_valid:
 * @name: (nullable): a decoded file name
 * @allow_hidden: whether names starting with `.` are allowed
 *
 * Checks @name as [func@Hallway.path_split] checks each decoded name. A
 * folder listing uses it to leave out entries that could not be requested
 * back, such as names that are not valid UTF-8.
 *
 * Returns: whether @name could be one of the names of a request path
 */
gboolean
hallway_path_component_is_valid (const char *name,
                                 gboolean    allow_hidden)
{
  if (name == NULL)
    return FALSE;

  return check_component (name, strlen (name), allow_hidden, NULL, 0, NULL);
}

/* Opening */

/**
 * hallway_path_open:
 * @root_fd: a descriptor of the shared folder (`O_PATH` or `O_DIRECTORY`)
 * @components: (array zero-terminated=1) (nullable): names from
 *   [func@Hallway.path_split]; empty or `NULL` for the share itself
 * @flags: flags for open(2); `O_CLOEXEC` is always added
 * @mode: the mode for `O_CREAT` or `O_TMPFILE`, ignored otherwise
 * @error: return location for an error
 *
 * Opens a file or folder below @root_fd so that nothing outside the share
 * can be reached, even while someone else changes the tree.
 *
 * With openat2(2) (Linux 5.6), the kernel resolves the whole path below
 * @root_fd (`RESOLVE_BENEATH`): symbolic links are followed as long as they
 * stay inside, so relative links within the share work, while absolute
 * links, `..` past the root, mount points and `/proc` magic links are
 * refused at the moment of the open, with no window for a swapped-in link.
 *
 * Without it, the path is walked one name at a time with `O_NOFOLLOW`, and
 * any symbolic link is refused, including the last name's, and with
 * `O_PATH` too. So are other file systems mounted inside.
 *
 * The names are checked again as [func@Hallway.path_split] checks them
 * (except for hidden names), so names that did not come from it cannot
 * lead outside either.
 *
 * Errors: [error@Hallway.Error.NOT_FOUND] for `ENOENT` and `ENOTDIR`,
 * [error@Hallway.Error.ACCESS_DENIED] for a path that leads outside (or
 * through a symbolic link, without openat2()) and for `EACCES` and `EPERM`,
 * [error@Hallway.Error.INVALID_ARGUMENT] for bad names,
 * [error@Hallway.Error.FAILED] otherwise. On failure `errno` is left set
 * to the cause, so callers can tell `EEXIST` or `EISDIR` apart.
 *
 * Returns: a new descriptor, or -1 with @error set
 */
int
hallway_path_open (int                  root_fd,
                   const char * const  *components,
                   int                  flags,
                   mode_t               mode,
                   GError             **error)
{
  gsize n = 0;

  g_return_val_if_fail (root_fd >= 0, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_components (components, HALLWAY_PATH_MAX_DEPTH, &n, error))
    {
      errno = EINVAL;
      return -1;
    }

  return open_components (root_fd, components, n, flags, mode, error);
}

/**
 * hallway_path_open_parent:
 * @root_fd: a descriptor of the shared folder (`O_PATH` or `O_DIRECTORY`)
 * @components: (array zero-terminated=1): names from
 *   [func@Hallway.path_split], at least one
 * @out_name: (out) (transfer none): the last of @components
 * @error: return location for an error
 *
 * Opens the folder that contains the last of @components, with
 * `O_RDONLY | O_DIRECTORY`, confined as [func@Hallway.path_open] does, for
 * requests that create, remove or rename that last name with *at() calls.
 * The share itself has no parent here: asking for it fails with
 * [error@Hallway.Error.ACCESS_DENIED], as the share cannot be replaced,
 * removed or renamed over the network.
 *
 * The last name is not resolved. An *at() call on it follows a symbolic
 * link there unless told not to, and such a link may point anywhere: use
 * `O_NOFOLLOW` with openat(2) (or [func@Hallway.path_open] on the whole
 * path) and `AT_SYMLINK_NOFOLLOW` with fstatat(2). renameat(2),
 * unlinkat(2) and mkdirat(2) act on the link itself, which is safe.
 *
 * Returns: a new descriptor of the parent folder, or -1 with @error set
 */
int
hallway_path_open_parent (int                  root_fd,
                          const char * const  *components,
                          const char         **out_name,
                          GError             **error)
{
  gsize n = 0;
  int fd;

  g_return_val_if_fail (root_fd >= 0, -1);
  g_return_val_if_fail (out_name != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_components (components, HALLWAY_PATH_MAX_DEPTH, &n, error))
    {
      errno = EINVAL;
      return -1;
    }

  if (n == 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _("The shared folder itself cannot be changed"));
      errno = EPERM;
      return -1;
    }

  fd = open_components (root_fd, components, n - 1, O_RDONLY | O_DIRECTORY, 0, error);
  if (fd < 0)
    return -1;

  *out_name = components[n - 1];
  return fd;
}

/**
 * hallway_path_make_parent:
 * @root_fd: the share root, open with `O_DIRECTORY`
 * @components: the checked names (see hallway_path_split()); at least one
 * @out_name: (out) (transfer none): the last name, within @components
 * @error: return location for an error
 *
 * As hallway_path_open_parent(), making the folders on the way that do not
 * exist yet (as the same checked walk, one level at a time). A drop box
 * answers the same whether a folder was there or not, so that putting
 * files in never tells what is already inside.
 *
 * Returns: an open `O_DIRECTORY` descriptor, or -1 with @error set
 */
int
hallway_path_make_parent (int                  root_fd,
                          const char * const  *components,
                          const char         **out_name,
                          GError             **error)
{
  guint n;

  g_return_val_if_fail (root_fd >= 0, -1);
  g_return_val_if_fail (components != NULL, -1);

  n = g_strv_length ((char **) components);
  for (guint i = 1; i < n; i++)
    {
      g_autofree const char **prefix = g_new0 (const char *, i + 1);
      const char *last;
      int fd;

      memcpy (prefix, components, i * sizeof (char *));
      fd = hallway_path_open_parent (root_fd, prefix, &last, error);
      if (fd < 0)
        return -1;
      if (mkdirat (fd, last, 0777) < 0 && errno != EEXIST)
        {
          int errsv = errno;

          close (fd);
          set_open_error (error, errsv, FALSE);
          errno = errsv;
          return -1;
        }
      close (fd);
    }
  return hallway_path_open_parent (root_fd, components, out_name, error);
}

/* Symbolic links to hidden names */

/* As the kernel's own limit on links in one path (MAXSYMLINKS). */
#define MAX_LINKS 40

/* Pushes the names of a link's target onto @pending, last name first, so
 * the first one is resolved next. */
static void
push_target (GPtrArray  *pending,
             const char *target)
{
  g_auto(GStrv) names = g_strsplit (target, "/", -1);

  for (guint i = g_strv_length (names); i > 0; i--)
    g_ptr_array_add (pending, g_steal_pointer (&names[i - 1]));
}

static char *
join_resolved (GPtrArray  *resolved,
               const char *name)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < resolved->len; i++)
    {
      g_string_append (path, g_ptr_array_index (resolved, i));
      g_string_append_c (path, '/');
    }
  g_string_append (path, name);
  return g_string_free (path, FALSE);
}

/**
 * hallway_path_check_hidden_links:
 * @root_fd: a descriptor of the shared folder
 * @components: (array zero-terminated=1): names from [func@Hallway.path_split]
 * @allow_hidden: whether the share shows hidden names
 * @error: return location for an error
 *
 * [func@Hallway.path_open] follows symbolic links that stay inside the
 * share, so "notes.txt" pointing at ".env", or "keys" at ".ssh", would
 * serve or write what the share hides. Where hidden names are not shown,
 * this refuses such a path as the hidden name itself is refused, with
 * [error@Hallway.Error.NOT_FOUND], and a message that does not tell a link
 * from a missing file.
 *
 * The path is resolved here one name at a time, reading every link on the
 * way (links to links too, up to 40) and looking for a hidden name among
 * their targets' names. Whatever stops the resolving otherwise (a missing
 * name, an absolute link, a file in the middle) is left for the open that
 * follows to refuse in its own words.
 *
 * Returns: %FALSE with @error set when the path leads to a hidden name
 */
gboolean
hallway_path_check_hidden_links (int                  root_fd,
                                 const char * const  *components,
                                 gboolean             allow_hidden,
                                 GError             **error)
{
  g_autoptr(GPtrArray) pending = NULL;   /* names still to resolve, the next one last */
  g_autoptr(GPtrArray) resolved = NULL;  /* folders from the root, none of them a link */
  guint links = 0;

  g_return_val_if_fail (root_fd >= 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (allow_hidden || components == NULL)
    return TRUE;

  pending = g_ptr_array_new_with_free_func (g_free);
  resolved = g_ptr_array_new_with_free_func (g_free);
  for (guint i = g_strv_length ((GStrv) components); i > 0; i--)
    g_ptr_array_add (pending, g_strdup (components[i - 1]));

  while (pending->len > 0)
    {
      g_autofree char *name = g_ptr_array_steal_index (pending, pending->len - 1);
      g_autofree char *path = NULL;
      char target[PATH_MAX];
      struct stat st;
      ssize_t n;

      if (*name == '\0' || strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          if (resolved->len == 0)
            return TRUE;
          g_ptr_array_remove_index (resolved, resolved->len - 1);
          continue;
        }
      if (name[0] == '.')
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                               _("No such file or folder"));
          return FALSE;
        }

      path = join_resolved (resolved, name);
      if (fstatat (root_fd, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return TRUE;
      if (!S_ISLNK (st.st_mode))
        {
          if (pending->len > 0 && !S_ISDIR (st.st_mode))
            return TRUE;
          g_ptr_array_add (resolved, g_steal_pointer (&name));
          continue;
        }

      n = readlinkat (root_fd, path, target, sizeof target - 1);
      if (n <= 0 || ++links > MAX_LINKS || target[0] == '/')
        return TRUE;
      target[n] = '\0';
      push_target (pending, target);
    }

  return TRUE;
}

/* Hrefs */

static gboolean
is_unreserved (guchar c)
{
  /* RFC 3986 §2.3 */
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/**
 * hallway_path_append_href_name:
 * @out: where to append
 * @name: a decoded name
 *
 * Appends @name as one segment of an href: every byte except RFC 3986
 * unreserved characters percent-encoded (upper-case hex).
 */
void
hallway_path_append_href_name (GString    *out,
                               const char *name)
{
  static const char hex[] = "0123456789ABCDEF";
  const char *run = name;
  const char *p;

  /* Names are mostly unreserved: copy runs of them at once. */
  for (p = name; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      char escaped[3];

      if (is_unreserved (c))
        continue;
      g_string_append_len (out, run, p - run);
      escaped[0] = '%';
      escaped[1] = hex[c >> 4];
      escaped[2] = hex[c & 0xf];
      g_string_append_len (out, escaped, 3);
      run = p + 1;
    }
  g_string_append_len (out, run, p - run);
}

/**
 * hallway_path_join_href:
 * @prefix: the share's path, already encoded, such as `/shares/abc`
 * @components: (array zero-terminated=1) (nullable): decoded names
 * @is_folder: whether to end the href with `/`
 *
 * Builds the href of an item for a WebDAV response: @prefix, then each name
 * after a `/`, encoded by [func@Hallway.path_append_href_name], then a `/`
 * for a folder. Trailing slashes of @prefix are dropped first, so they are
 * not doubled. The part after `prefix/` gives back @components through
 * [func@Hallway.path_split].
 *
 * Returns: (transfer full): the href
 */
char *
hallway_path_join_href (const char         *prefix,
                        const char * const *components,
                        gboolean            is_folder)
{
  GString *href;
  gsize prefix_len;

  g_return_val_if_fail (prefix != NULL, NULL);

  prefix_len = strlen (prefix);
  while (prefix_len > 0 && prefix[prefix_len - 1] == '/')
    prefix_len--;

  href = g_string_new_len (prefix, prefix_len);

  for (gsize i = 0; components != NULL && components[i] != NULL; i++)
    {
      g_string_append_c (href, '/');
      hallway_path_append_href_name (href, components[i]);
    }

  if (is_folder)
    g_string_append_c (href, '/');

  return g_string_free (href, FALSE);
}
