/* test-path.c: WebDAV request paths confined to a shared folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hallway-error.h"
#include "hallway-path.h"
#include "hallway-path-private.h"

/* Whether openat2() worked before any test forced a mode. */
static gboolean have_openat2;

typedef enum
{
  MODE_OPENAT2,
  MODE_FALLBACK,
} Mode;

/* Splitting: hostile paths */

typedef struct
{
  const char *raw;
  gboolean    allow_hidden;
  int         code;
} Refused;

#define I HALLWAY_ERROR_INVALID_ARGUMENT
#define A HALLWAY_ERROR_ACCESS_DENIED
#define N HALLWAY_ERROR_NOT_FOUND

static const Refused refused[] = {
  /* Dot segments, however spelled */
  { "..", TRUE, A },
  { ".", TRUE, A },
  { "%2e%2e", TRUE, A },
  { "%2E%2e", TRUE, A },
  { "%2E.", TRUE, A },
  { ".%2e", TRUE, A },
  { "%2e", TRUE, A },
  { "a/../../b", TRUE, A },
  { "a/..", TRUE, A },
  { "../etc/passwd", TRUE, A },
  { "a/./b", TRUE, A },
  { "a/b/%2e%2e/c", TRUE, A },
  { "docs/%2E%2E/%2E%2E/etc", TRUE, A },
  /* Separators inside names */
  { "..%2f", TRUE, I },
  { "..%2F..%2Fetc%2Fpasswd", TRUE, I },
  { "%2f", TRUE, I },
  { "a%2fb", TRUE, I },
  { "%2e%2e%2f%2e%2e", TRUE, I },
  { "%5c", TRUE, I },
  { "..%5c..%5cwindows", TRUE, I },
  { "a\\b", TRUE, I },
  { "..\\..\\etc", TRUE, I },
  /* Empty names and absolute paths */
  { "a//b", TRUE, I },
  { "a//", TRUE, I },
  { "//", TRUE, I },
  { "/", TRUE, I },
  { "/etc/passwd", TRUE, I },
  { "//etc/passwd", TRUE, I },
  /* NUL and control characters */
  { "file%00", TRUE, I },
  { "file%00.txt", TRUE, I },
  { "%00", TRUE, I },
  { "%0a", TRUE, I },
  { "a%0d%0aSet-Cookie:%20x", TRUE, I },
  { "%7f", TRUE, I },
  { "%1b%5b31m", TRUE, I },
  { "a\tb", TRUE, I },
  { "a\001b", TRUE, I },
  { "%c2%9b", TRUE, I },    /* U+009B, a C1 control */
  { "%c2%85", TRUE, I },    /* U+0085, NEL */
  /* Invalid UTF-8, overlong forms included */
  { "%c3%28", TRUE, I },
  { "%ff", TRUE, I },
  { "%c0%af", TRUE, I },       /* overlong '/' */
  { "%e0%80%ae", TRUE, I },    /* overlong '.' */
  { "%c0%ae%c0%ae", TRUE, I }, /* overlong ".." */
  { "%c0%80", TRUE, I },       /* overlong NUL */
  { "%ed%a0%80", TRUE, I },    /* a surrogate */
  { "%f4%90%80%80", TRUE, I }, /* past U+10FFFF */
  { "caf%c3", TRUE, I },       /* truncated */
  { "\xff", TRUE, I },
  { "caf\xc3", TRUE, I },
  /* Bad percent escapes */
  { "%", TRUE, I },
  { "%g1", TRUE, I },
  { "%1g", TRUE, I },
  { "%2", TRUE, I },
  { "abc%", TRUE, I },
  { "a%/b", TRUE, I },
  { "%%41", TRUE, I },
  { "%-1", TRUE, I },
  { "% 41", TRUE, I },
  /* Invisible formatting: "photo<U+202E>gpj.desktop" shows as a picture */
  { "photo%E2%80%AEgpj.desktop", TRUE, I },
  { "docs/%E2%81%A7evil%E2%81%A9.exe", TRUE, I },
  { "in%E2%80%8Bvoice.pdf", TRUE, I },
  { "%EF%BB%BFbom.txt", TRUE, I },
  { "rep%E2%80%8Cort.txt", TRUE, I },
  /* Hidden names */
  { ".ssh", FALSE, N },
  { ".ssh/id_rsa", FALSE, N },
  { "a/.git/config", FALSE, N },
  { "%2essh", FALSE, N },
  { ".hidden/", FALSE, N },
  { "...", FALSE, N },
  { "docs/.%2e%2e", FALSE, N },
  /* A hidden name does not hide a malformed rest. */
  { ".ssh/%zz", FALSE, I },
  { ".git/..", FALSE, A },
  { ".a/b//c", FALSE, I },
};

#undef I
#undef A
#undef N

static void
assert_message_is_tame (const GError *error)
{
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), <, 160);
  for (const char *p = error->message; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
test_split_refused (void)
{
  g_test_summary ("Hostile request paths are refused, each with the right error");

  g_assert_cmpuint (G_N_ELEMENTS (refused), >=, 40);

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) components = NULL;
      g_autofree char *escaped = g_strescape (refused[i].raw, NULL);

      /* Escaped, or invalid UTF-8 would break the TAP output. */
      g_test_message ("Refusing %s", escaped);
      components = hallway_path_split (refused[i].raw, refused[i].allow_hidden, &error);
      g_assert_null (components);
      g_assert_error (error, HALLWAY_ERROR, refused[i].code);
      assert_message_is_tame (error);
    }
}

static void
test_split_limits (void)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) components = NULL;
  g_autofree char *name255 = g_strnfill (255, 'x');
  g_autofree char *name256 = g_strnfill (256, 'x');
  g_autofree char *name240 = g_strnfill (240, 'y');

  g_test_summary ("Names up to 255 bytes, 64 names and 4096 bytes in all are accepted, no more");

  components = hallway_path_split (name255, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (components), ==, 1);
  g_clear_pointer (&components, g_strfreev);

  components = hallway_path_split (name256, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  assert_message_is_tame (error);
  g_clear_error (&error);

  /* 255 bytes spelled as escapes is 765 characters: still fine. */
  for (int i = 0; i < 255; i++)
    g_string_append (raw, "%41");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (components[0]), ==, 255);
  g_clear_pointer (&components, g_strfreev);

  g_string_append (raw, "%41");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* 64 names, then 65 */
  g_string_truncate (raw, 0);
  for (int i = 0; i < 64; i++)
    g_string_append (raw, i == 0 ? "d" : "/d");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (components), ==, 64);
  g_clear_pointer (&components, g_strfreev);

  g_string_append (raw, "/d");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* 17 names of 240 bytes and 16 slashes are exactly 4096 bytes. */
  g_string_truncate (raw, 0);
  for (int i = 0; i < 17; i++)
    {
      if (i > 0)
        g_string_append_c (raw, '/');
      g_string_append (raw, name240);
    }
  g_assert_cmpuint (raw->len, ==, 4096);
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (components), ==, 17);
  g_clear_pointer (&components, g_strfreev);

  g_string_append_c (raw, 'z');
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A megabyte of one name is refused without trouble. */
  g_string_truncate (raw, 0);
  for (int i = 0; i < 1024 * 1024; i++)
    g_string_append_c (raw, 'a' + i % 26);
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  assert_message_is_tame (error);
  g_clear_error (&error);

  /* So are 100000 slashes. */
  g_string_truncate (raw, 0);
  for (int i = 0; i < 100000; i++)
    g_string_append (raw, "a/");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
}

typedef struct
{
  const char         *raw;
  gboolean            allow_hidden;
  const char * const  expected[4];
} Accepted;

static const Accepted accepted[] = {
  { "", FALSE, { NULL } },
  { "docs", FALSE, { "docs", NULL } },
  { "docs/", FALSE, { "docs", NULL } },
  { "a/b/", FALSE, { "a", "b", NULL } },
  { "docs/My%20File.txt", FALSE, { "docs", "My File.txt", NULL } },
  { "My File.txt", FALSE, { "My File.txt", NULL } },
  { "caf%C3%A9.txt", FALSE, { "café.txt", NULL } },
  { "caf%c3%a9.txt", FALSE, { "café.txt", NULL } },
  { "café.txt", FALSE, { "café.txt", NULL } },
  { "a+b.txt", FALSE, { "a+b.txt", NULL } },
  { "100%25", FALSE, { "100%", NULL } },
  { "%e2%82%ac", FALSE, { "€", NULL } },
  { "smile%20%F0%9F%98%80", FALSE, { "smile 😀", NULL } },
  { "what%3F%23.txt", FALSE, { "what?#.txt", NULL } },
  { "a~b-c_d.e", FALSE, { "a~b-c_d.e", NULL } },
  { "%41", FALSE, { "A", NULL } },
  { "%20.", FALSE, { " .", NULL } },
  { "..a", TRUE, { "..a", NULL } },
  { "a..", FALSE, { "a..", NULL } },
  { ".ssh", TRUE, { ".ssh", NULL } },
  { "...", TRUE, { "...", NULL } },
  { "%2e%2e%2e", TRUE, { "...", NULL } },
  { "a/.git/config", TRUE, { "a", ".git", "config" } },
};

static void
test_split_accepted (void)
{
  g_test_summary ("Ordinary, Unicode and (when allowed) hidden names are decoded");

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) components = NULL;

      g_test_message ("Accepting %s", accepted[i].raw);
      components = hallway_path_split (accepted[i].raw, accepted[i].allow_hidden, &error);
      g_assert_no_error (error);
      g_assert_cmpstrv (components, accepted[i].expected);
    }
}

static void
test_split_error_quotes_little (void)
{
  g_autoptr(GString) raw = g_string_new ("%0a");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) components = NULL;

  g_test_summary ("Error messages quote at most a few escaped bytes of the path");

  for (int i = 0; i < 200; i++)
    g_string_append (raw, "\033[2J");
  components = hallway_path_split (raw->str, FALSE, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  assert_message_is_tame (error);
  g_assert_null (strchr (error->message, '\033'));
}

static void
test_component_is_valid (void)
{
  g_test_summary ("Names from a folder listing are checked as request names are");

  g_assert_true (hallway_path_component_is_valid ("report.pdf", FALSE));
  g_assert_true (hallway_path_component_is_valid ("café", FALSE));
  g_assert_true (hallway_path_component_is_valid (".profile", TRUE));
  g_assert_false (hallway_path_component_is_valid (".profile", FALSE));
  g_assert_false (hallway_path_component_is_valid ("", TRUE));
  g_assert_false (hallway_path_component_is_valid (".", TRUE));
  g_assert_false (hallway_path_component_is_valid ("..", TRUE));
  g_assert_false (hallway_path_component_is_valid ("a/b", TRUE));
  g_assert_false (hallway_path_component_is_valid ("a\\b", TRUE));
  g_assert_false (hallway_path_component_is_valid ("line\nbreak", TRUE));
  g_assert_false (hallway_path_component_is_valid ("latin1-\xe9", TRUE));
  g_assert_false (hallway_path_component_is_valid ("photo\u202egpj.desktop", TRUE));
  g_assert_false (hallway_path_component_is_valid ("\u200fnotes.txt", TRUE));
  g_assert_true (hallway_path_component_is_valid ("\U0001f468\u200d\U0001f469.jpg", FALSE));
  g_assert_false (hallway_path_component_is_valid (NULL, TRUE));
}

/* Hrefs */

static void
test_href_encoding (void)
{
  const char * const file[] = { "My File.txt", NULL };
  const char * const nested[] = { "docs", "café", NULL };
  const char * const odd[] = { "a+b", "100%", "?#[]@!$&'()*,;=:", "~-._", NULL };
  const char * const none[] = { NULL };
  g_autofree char *href = NULL;

  g_test_summary ("Hrefs encode everything but unreserved characters, folders end in '/'");

  href = hallway_path_join_href ("/shares/abc", file, FALSE);
  g_assert_cmpstr (href, ==, "/shares/abc/My%20File.txt");
  g_clear_pointer (&href, g_free);

  href = hallway_path_join_href ("/shares/abc", nested, TRUE);
  g_assert_cmpstr (href, ==, "/shares/abc/docs/caf%C3%A9/");
  g_clear_pointer (&href, g_free);

  href = hallway_path_join_href ("/shares/abc/", nested, FALSE);
  g_assert_cmpstr (href, ==, "/shares/abc/docs/caf%C3%A9");
  g_clear_pointer (&href, g_free);

  href = hallway_path_join_href ("/s", odd, FALSE);
  g_assert_cmpstr (href, ==,
                   "/s/a%2Bb/100%25/%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D%3A/~-._");
  g_clear_pointer (&href, g_free);

  href = hallway_path_join_href ("/shares/abc", none, TRUE);
  g_assert_cmpstr (href, ==, "/shares/abc/");
  g_clear_pointer (&href, g_free);

  href = hallway_path_join_href ("/shares/abc", NULL, FALSE);
  g_assert_cmpstr (href, ==, "/shares/abc");
}

static void
test_href_round_trip (void)
{
  const char * const names[] = {
    "plain", "My File.txt", "café", "€uro", "smile 😀", "100%", "a+b",
    "what?#", ".hidden", "...", "ü/", "%2e%2e", "x%2fy", "tab\t", NULL
  };

  g_test_summary ("An href split again gives back the names it was built from");

  for (gsize i = 0; names[i] != NULL; i++)
    {
      const char * const components[] = { "dir", names[i], NULL };
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) again = NULL;
      g_autofree char *href = NULL;

      if (!hallway_path_component_is_valid (names[i], TRUE))
        continue;

      for (int is_folder = 0; is_folder <= 1; is_folder++)
        {
          g_clear_pointer (&href, g_free);
          g_clear_pointer (&again, g_strfreev);

          href = hallway_path_join_href ("/shares/x", components, is_folder);
          g_assert_true (g_str_has_prefix (href, "/shares/x/"));
          again = hallway_path_split (href + strlen ("/shares/x/"), TRUE, &error);
          g_assert_no_error (error);
          g_assert_cmpstrv (again, components);
        }
    }
}

/* The file system */

typedef struct
{
  char *base;     /* (owned) temporary directory */
  char *share;    /* (owned) base/share, the shared folder */
  char *outside;  /* (owned) base/outside, which must stay unreachable */
  int   root_fd;  /* O_PATH descriptor of share */
} Fixture;

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
make_symlink (const char *target,
              const char *dir,
              const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_no_errno (symlink (target, path));
}

static void
remove_tree (const char *path)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  Mode mode = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *docs = NULL;
  g_autofree char *sub = NULL;

  if (mode == MODE_OPENAT2 && !have_openat2)
    {
      g_test_skip ("openat2() is not available");
      fixture->root_fd = -1;
      return;
    }
  _hallway_path_set_openat2_enabled (mode == MODE_OPENAT2);

  fixture->base = g_dir_make_tmp ("hallway-test-path-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->share = g_build_filename (fixture->base, "share", NULL);
  fixture->outside = g_build_filename (fixture->base, "outside", NULL);
  docs = g_build_filename (fixture->share, "docs", NULL);
  sub = g_build_filename (docs, "sub", NULL);

  g_assert_no_errno (g_mkdir (fixture->outside, 0700));
  g_assert_no_errno (g_mkdir (fixture->share, 0700));
  g_assert_no_errno (g_mkdir (docs, 0700));
  g_assert_no_errno (g_mkdir (sub, 0700));

  write_file (fixture->outside, "secret.txt", "secret");
  write_file (docs, "readme.txt", "hello");
  write_file (fixture->share, ".hidden.txt", "hidden");

  /* Leading outside, every way we can think of */
  make_symlink (fixture->outside, fixture->share, "link-abs");
  make_symlink ("../outside", fixture->share, "link-rel-out");
  make_symlink ("../../outside/secret.txt", docs, "link-up");
  make_symlink ("../../../../../../../../../../etc", fixture->share, "link-etc");
  make_symlink ("/", fixture->share, "link-root");
  make_symlink ("/proc/self/root", fixture->share, "link-proc");
  make_symlink ("link-loop", fixture->share, "link-loop");
  make_symlink ("../outside/created.txt", fixture->share, "link-dangling-out");
  /* Out of the share and back in: refused, as the kernel cannot know that
   * "../share" is the share. */
  make_symlink ("../share/docs/readme.txt", fixture->share, "link-out-and-back");
  /* Staying inside */
  make_symlink ("docs", fixture->share, "link-in");
  make_symlink ("readme.txt", docs, "link-file");
  make_symlink ("../readme.txt", sub, "link-dotdot");

  fixture->root_fd = open (fixture->share, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (fixture->root_fd, >=, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->root_fd >= 0)
    close (fixture->root_fd);
  if (fixture->base != NULL)
    remove_tree (fixture->base);
  g_free (fixture->base);
  g_free (fixture->share);
  g_free (fixture->outside);
}

static gboolean
skipped (const Fixture *fixture)
{
  return fixture->root_fd < 0;
}

/* Splits @raw (allowing hidden names) and opens it read-only. */
static int
open_raw (const Fixture  *fixture,
          const char     *raw,
          int             flags,
          GError        **error)
{
  g_auto(GStrv) components = hallway_path_split (raw, TRUE, error);

  if (components == NULL)
    return -1;

  return hallway_path_open (fixture->root_fd, (const char * const *) components,
                            flags, 0, error);
}

static char *
read_fd (int fd)
{
  char buffer[64] = { 0, };
  ssize_t n = read (fd, buffer, sizeof buffer - 1);

  g_assert_cmpint (n, >=, 0);
  return g_strdup (buffer);
}

static void
assert_opens_to (const Fixture *fixture,
                 const char    *raw,
                 const char    *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *read_back = NULL;
  int fd;

  g_test_message ("Opening %s", raw);
  fd = open_raw (fixture, raw, O_RDONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  read_back = read_fd (fd);
  g_assert_cmpstr (read_back, ==, contents);
  close (fd);
}

static void
assert_refused (const Fixture *fixture,
                const char    *raw,
                int            flags,
                int            code)
{
  g_autoptr(GError) error = NULL;
  int fd;

  g_test_message ("Refusing to open %s", raw);
  fd = open_raw (fixture, raw, flags, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_error (error, HALLWAY_ERROR, code);
  assert_message_is_tame (error);
}

static void
test_open_plain (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  struct stat st;
  int fd;
  int flags;

  g_test_summary ("Files and folders inside the share open, always close-on-exec");

  if (skipped (fixture))
    return;

  assert_opens_to (fixture, "docs/readme.txt", "hello");
  assert_opens_to (fixture, ".hidden.txt", "hidden");

  /* The share itself */
  fd = hallway_path_open (fixture->root_fd, NULL, O_RDONLY | O_DIRECTORY, 0, &error);
  g_assert_no_error (error);
  g_assert_no_errno (fstat (fd, &st));
  g_assert_true (S_ISDIR (st.st_mode));
  flags = fcntl (fd, F_GETFD);
  g_assert_cmpint (flags & FD_CLOEXEC, ==, FD_CLOEXEC);
  close (fd);

  fd = open_raw (fixture, "docs/sub/", O_RDONLY | O_DIRECTORY, &error);
  g_assert_no_error (error);
  flags = fcntl (fd, F_GETFD);
  g_assert_cmpint (flags & FD_CLOEXEC, ==, FD_CLOEXEC);
  close (fd);

  assert_refused (fixture, "docs/missing.txt", O_RDONLY, HALLWAY_ERROR_NOT_FOUND);
  assert_refused (fixture, "missing/readme.txt", O_RDONLY, HALLWAY_ERROR_NOT_FOUND);
  assert_refused (fixture, "docs/readme.txt/x", O_RDONLY, HALLWAY_ERROR_NOT_FOUND);
  assert_refused (fixture, "docs/readme.txt", O_RDONLY | O_DIRECTORY, HALLWAY_ERROR_NOT_FOUND);
}

static void
test_open_symlinks_outside (Fixture       *fixture,
                            gconstpointer  data)
{
  const char * const raws[] = {
    "link-abs",
    "link-abs/secret.txt",
    "link-rel-out/secret.txt",
    "docs/link-up",
    "link-etc/passwd",
    "link-root/etc/passwd",
    "link-proc/etc/passwd",
    "link-loop",
    "link-out-and-back",
    NULL
  };

  g_test_summary ("Symbolic links leading outside the share are refused");

  if (skipped (fixture))
    return;

  for (gsize i = 0; raws[i] != NULL; i++)
    {
      assert_refused (fixture, raws[i], O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
      assert_refused (fixture, raws[i], O_PATH, HALLWAY_ERROR_ACCESS_DENIED);
    }
}

static void
test_open_create_through_symlink (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *target = g_build_filename (fixture->outside, "created.txt", NULL);
  g_autoptr(GError) error = NULL;
  const char * const components[] = { "link-dangling-out", NULL };
  int fd;

  g_test_summary ("O_CREAT through a dangling link creates nothing outside");

  if (skipped (fixture))
    return;

  fd = hallway_path_open (fixture->root_fd, components, O_WRONLY | O_CREAT, 0600, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

static void
test_open_symlinks_inside (Fixture       *fixture,
                           gconstpointer  data)
{
  Mode mode = GPOINTER_TO_INT (data);

  g_test_summary ("Symbolic links within the share are followed with openat2() only");

  if (skipped (fixture))
    return;

  if (mode == MODE_OPENAT2)
    {
      assert_opens_to (fixture, "link-in/readme.txt", "hello");
      assert_opens_to (fixture, "docs/link-file", "hello");
      assert_opens_to (fixture, "docs/sub/link-dotdot", "hello");
    }
  else
    {
      assert_refused (fixture, "link-in/readme.txt", O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
      assert_refused (fixture, "docs/link-file", O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
      assert_refused (fixture, "docs/link-file", O_PATH, HALLWAY_ERROR_ACCESS_DENIED);
      assert_refused (fixture, "link-in", O_RDONLY | O_DIRECTORY, HALLWAY_ERROR_ACCESS_DENIED);
      assert_refused (fixture, "docs/sub/link-dotdot", O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
    }
}

static void
test_open_swapped_symlink (Fixture       *fixture,
                           gconstpointer  data)
{
  const char * const targets[] = { "/", "../../../../../../../..", NULL };

  g_test_summary ("A folder swapped for a link to / after checking is still refused");

  if (skipped (fixture))
    return;

  for (gsize i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *swap = g_build_filename (fixture->share, "swap", NULL);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) components = NULL;
      int fd;

      g_assert_no_errno (g_mkdir (swap, 0700));
      components = hallway_path_split ("swap/etc/passwd", FALSE, &error);
      g_assert_no_error (error);

      /* What a local attacker racing the server would do. */
      g_assert_no_errno (g_rmdir (swap));
      g_assert_no_errno (symlink (targets[i], swap));

      fd = hallway_path_open (fixture->root_fd, (const char * const *) components,
                              O_RDONLY, 0, &error);
      g_assert_cmpint (fd, ==, -1);
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED);
      g_assert_no_errno (g_unlink (swap));
    }
}

static void
test_open_unchecked_components (Fixture       *fixture,
                                gconstpointer  data)
{
  const char * const dotdot[] = { "..", "outside", "secret.txt", NULL };
  const char * const slash[] = { "../outside/secret.txt", NULL };
  const char * const absolute[] = { "/etc/passwd", NULL };
  const char * const empty[] = { "docs", "", "readme.txt", NULL };
  const char * const *cases[] = { dotdot, slash, absolute, empty };

  g_test_summary ("Names that did not come from splitting cannot lead outside either");

  if (skipped (fixture))
    return;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      const char *name = NULL;
      int fd;

      fd = hallway_path_open (fixture->root_fd, cases[i], O_RDONLY, 0, &error);
      g_assert_cmpint (fd, ==, -1);
      g_assert_nonnull (error);
      g_assert_true (error->code == HALLWAY_ERROR_INVALID_ARGUMENT ||
                     error->code == HALLWAY_ERROR_ACCESS_DENIED);
      g_clear_error (&error);

      fd = hallway_path_open_parent (fixture->root_fd, cases[i], &name, &error);
      g_assert_cmpint (fd, ==, -1);
      g_assert_nonnull (error);
      g_assert_null (name);
    }
}

static void
test_open_errno (Fixture       *fixture,
                 gconstpointer  data)
{
  const char * const components[] = { "docs", "readme.txt", NULL };
  g_autoptr(GError) error = NULL;
  int fd;

  g_test_summary ("Other failures keep errno, so callers can tell EEXIST apart");

  if (skipped (fixture))
    return;

  fd = hallway_path_open (fixture->root_fd, components, O_WRONLY | O_CREAT | O_EXCL, 0600, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_cmpint (errno, ==, EEXIST);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED);
  assert_message_is_tame (error);
}

static void
test_open_permission (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *locked = g_build_filename (fixture->share, "locked", NULL);

  g_test_summary ("Files the server cannot read give ACCESS_DENIED");

  if (skipped (fixture))
    return;
  if (geteuid () == 0)
    {
      g_test_skip ("root is never denied");
      return;
    }

  g_assert_no_errno (g_mkdir (locked, 0700));
  write_file (locked, "inner.txt", "x");
  g_assert_no_errno (chmod (locked, 0));
  assert_refused (fixture, "locked/inner.txt", O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
}

static void
test_open_parent (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *created = g_build_filename (fixture->share, "docs", "new.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) components = NULL;
  const char *name = NULL;
  struct stat st;
  int dir_fd;
  int fd;

  g_test_summary ("The parent folder opens confined; the share itself has none");

  if (skipped (fixture))
    return;

  components = hallway_path_split ("docs/new.txt", FALSE, &error);
  g_assert_no_error (error);
  dir_fd = hallway_path_open_parent (fixture->root_fd, (const char * const *) components,
                                     &name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "new.txt");
  g_assert_true (name == components[1]);

  fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  close (dir_fd);
  g_assert_true (g_file_test (created, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&components, g_strfreev);

  /* A name in the share itself has the share as its parent. */
  components = hallway_path_split ("top.txt", FALSE, &error);
  dir_fd = hallway_path_open_parent (fixture->root_fd, (const char * const *) components,
                                     &name, &error);
  g_assert_no_error (error);
  g_assert_no_errno (fstatat (dir_fd, "docs", &st, AT_SYMLINK_NOFOLLOW));
  close (dir_fd);
  g_clear_pointer (&components, g_strfreev);

  /* The share has no parent. */
  name = NULL;
  components = hallway_path_split ("", FALSE, &error);
  dir_fd = hallway_path_open_parent (fixture->root_fd, (const char * const *) components,
                                     &name, &error);
  g_assert_cmpint (dir_fd, ==, -1);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED);
  g_assert_null (name);
  g_clear_error (&error);
  g_clear_pointer (&components, g_strfreev);

  /* A parent behind a link leading outside is refused. */
  components = hallway_path_split ("link-abs/new.txt", FALSE, &error);
  dir_fd = hallway_path_open_parent (fixture->root_fd, (const char * const *) components,
                                     &name, &error);
  g_assert_cmpint (dir_fd, ==, -1);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  g_clear_pointer (&components, g_strfreev);

  components = hallway_path_split ("missing/new.txt", FALSE, &error);
  dir_fd = hallway_path_open_parent (fixture->root_fd, (const char * const *) components,
                                     &name, &error);
  g_assert_cmpint (dir_fd, ==, -1);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND);
}

static void
test_fallback_env (void)
{
  g_test_summary ("HALLWAY_TEST_NO_OPENAT2=1 selects the fallback, which refuses all links");

  if (g_test_subprocess ())
    {
      Fixture fixture = { 0, };

      g_assert_false (_hallway_path_get_openat2_enabled ());

      /* Set up by hand: the fixture would force a mode. */
      fixture.base = g_dir_make_tmp ("hallway-test-path-XXXXXX", NULL);
      g_assert_nonnull (fixture.base);
      fixture.share = g_build_filename (fixture.base, "share", NULL);
      g_assert_no_errno (g_mkdir (fixture.share, 0700));
      write_file (fixture.share, "file.txt", "inside");
      make_symlink ("file.txt", fixture.share, "link-in");
      fixture.root_fd = open (fixture.share, O_PATH | O_DIRECTORY | O_CLOEXEC);
      g_assert_cmpint (fixture.root_fd, >=, 0);

      assert_opens_to (&fixture, "file.txt", "inside");
      assert_refused (&fixture, "link-in", O_RDONLY, HALLWAY_ERROR_ACCESS_DENIED);
      g_assert_false (_hallway_path_get_openat2_enabled ());

      fixture_tear_down (&fixture, NULL);
      return;
    }

  g_setenv ("HALLWAY_TEST_NO_OPENAT2", "1", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("HALLWAY_TEST_NO_OPENAT2");
  g_test_trap_assert_passed ();
}

static void
assert_hidden_link (const Fixture *fixture,
                    const char    *raw,
                    gboolean       leads_to_hidden)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) components = hallway_path_split (raw, FALSE, &error);

  g_test_message ("Checking %s", raw);
  g_assert_no_error (error);
  g_assert_true (hallway_path_check_hidden_links (fixture->root_fd,
                                                  (const char * const *) components,
                                                  TRUE, &error));
  g_assert_no_error (error);
  if (leads_to_hidden)
    {
      g_assert_false (hallway_path_check_hidden_links (fixture->root_fd,
                                                       (const char * const *) components,
                                                       FALSE, &error));
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND);
      /* As a missing file: the answer does not confirm the link. */
      g_assert_null (strstr (error->message, "link"));
      g_assert_null (strstr (error->message, raw));
    }
  else
    {
      g_assert_true (hallway_path_check_hidden_links (fixture->root_fd,
                                                      (const char * const *) components,
                                                      FALSE, &error));
      g_assert_no_error (error);
    }
}

static void
test_hidden_links (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *hidden_dir = NULL;
  g_autofree char *docs = NULL;

  g_test_summary ("A symbolic link to a hidden name is refused like the hidden name");

  if (skipped (fixture))
    return;

  hidden_dir = g_build_filename (fixture->share, ".ssh", NULL);
  docs = g_build_filename (fixture->share, "docs", NULL);
  g_assert_no_errno (g_mkdir (hidden_dir, 0700));
  write_file (hidden_dir, "id_ed25519", "key");
  write_file (fixture->share, ".env", "PASSWORD=x");
  make_symlink (".env", fixture->share, "notes.txt");
  make_symlink (".ssh", fixture->share, "keys");
  make_symlink ("../.ssh/id_ed25519", docs, "photo.jpg");
  make_symlink ("notes.txt", fixture->share, "chain.txt");
  make_symlink ("docs/../.env", fixture->share, "through-dotdot.txt");
  make_symlink ("./.ssh/", fixture->share, "slashes");
  make_symlink ("loop-b", fixture->share, "loop-a");
  make_symlink ("loop-a", fixture->share, "loop-b");

  assert_hidden_link (fixture, "notes.txt", TRUE);
  assert_hidden_link (fixture, "keys", TRUE);
  assert_hidden_link (fixture, "keys/id_ed25519", TRUE);
  assert_hidden_link (fixture, "keys/authorized_keys", TRUE);
  assert_hidden_link (fixture, "docs/photo.jpg", TRUE);
  assert_hidden_link (fixture, "chain.txt", TRUE);
  assert_hidden_link (fixture, "through-dotdot.txt", TRUE);
  assert_hidden_link (fixture, "slashes/id_ed25519", TRUE);

  /* Links between visible names stay, and so does what is not there. */
  assert_hidden_link (fixture, "link-in/readme.txt", FALSE);
  assert_hidden_link (fixture, "docs/link-file", FALSE);
  assert_hidden_link (fixture, "docs/sub/link-dotdot", FALSE);
  assert_hidden_link (fixture, "docs/readme.txt", FALSE);
  assert_hidden_link (fixture, "", FALSE);
  assert_hidden_link (fixture, "missing/file.txt", FALSE);
  assert_hidden_link (fixture, "loop-a", FALSE);
  assert_hidden_link (fixture, "link-rel-out", FALSE);
}

static void
add_fs_test (const char *name,
             void      (*func) (Fixture *, gconstpointer))
{
  g_autofree char *openat2_path = g_strconcat ("/share/path/openat2/", name, NULL);
  g_autofree char *fallback_path = g_strconcat ("/share/path/fallback/", name, NULL);

  g_test_add (openat2_path, Fixture, GINT_TO_POINTER (MODE_OPENAT2),
              fixture_set_up, func, fixture_tear_down);
  g_test_add (fallback_path, Fixture, GINT_TO_POINTER (MODE_FALLBACK),
              fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Decided before any test forces a mode; FALSE on old kernels, under a
   * seccomp filter that refuses openat2(), or with HALLWAY_TEST_NO_OPENAT2=1. */
  have_openat2 = _hallway_path_get_openat2_enabled ();

  g_test_add_func ("/share/path/split/refused", test_split_refused);
  g_test_add_func ("/share/path/split/limits", test_split_limits);
  g_test_add_func ("/share/path/split/accepted", test_split_accepted);
  g_test_add_func ("/share/path/split/error-quotes-little", test_split_error_quotes_little);
  g_test_add_func ("/share/path/component-is-valid", test_component_is_valid);
  g_test_add_func ("/share/path/href/encoding", test_href_encoding);
  g_test_add_func ("/share/path/href/round-trip", test_href_round_trip);
  add_fs_test ("plain", test_open_plain);
  add_fs_test ("symlinks-outside", test_open_symlinks_outside);
  add_fs_test ("create-through-symlink", test_open_create_through_symlink);
  add_fs_test ("symlinks-inside", test_open_symlinks_inside);
  add_fs_test ("swapped-symlink", test_open_swapped_symlink);
  add_fs_test ("unchecked-components", test_open_unchecked_components);
  add_fs_test ("errno", test_open_errno);
  add_fs_test ("permission", test_open_permission);
  add_fs_test ("parent", test_open_parent);
  add_fs_test ("hidden-links", test_hidden_links);
  g_test_add_func ("/share/path/fallback/env", test_fallback_env);

  return g_test_run ();
}
