/* hallway-daemon-drops.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receiving half of sending files to a colleague (DESIGN §4.3). A
 * neighbour POSTs an offer; it becomes an Offer1 object at once, so the
 * window or hallwayctl can ask the person; the sender long-polls for the
 * answer, then PUTs each accepted file, resuming with Content-Range.
 *
 * Every name comes sanitized from hallway-drop.c and every file is created
 * one name at a time below the chosen folder with the confinement helpers,
 * so a symbolic link in the receive folder can't lead a write outside it.
 * Bodies are streamed to ".NAME.hallway-part" in blocks, as the WebDAV PUT
 * does; a complete file is fsync'ed and renamed into place without ever
 * replacing an existing name. Accepted offers that are not finished are
 * saved, so a sender can continue after this computer restarts.
 */
#include "config.h"

#include "hallway-daemon-drops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-constants.h"
#include "hallway-daemon-server.h"
#include "hallway-dbus.h"
#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-part-file.h"
#include "hallway-path.h"
#include "hallway-range.h"
#include "hallway-settings.h"
#include "hallway-state-file.h"
#include "hallway-transfer.h"

#define API_PREFIX        "/api/v1/drops"
#define GUI_BUS_NAME      "io.github.hallwaylan.Hallway"
#define GUI_OBJECT_PATH   "/io/github/hallwaylan/Hallway"
#define BYTES_INTERVAL_US (G_USEC_PER_SEC / 10)
#define STATE_MAX_BYTES   (64 * 1024 * 1024)

typedef enum
{
  STATE_PENDING,
  STATE_ACCEPTED,
  STATE_DECLINED,
  STATE_EXPIRED,
  STATE_CANCELLED,
  STATE_DONE,
  STATE_FAILED,
} OfferState;

static const char * const state_names[] = {
  "pending", "accepted", "declined", "expired", "cancelled", "done", "failed",
};

typedef struct _Offer  Offer;
typedef struct _Writer Writer;

typedef struct
{
  char    *path;       /* sanitized, relative */
  guint64  size;
  gboolean accepted;
  gboolean complete;
  guint64  received;
  char    *dir;        /* (nullable) the folder it goes in, relative, once made */
  char    *part;       /* (nullable) its part file's name there, once made */
  char    *final;      /* (nullable) the name it got, once complete */
  Writer  *writer;     /* (nullable) (unowned) the PUT filling it */
} DropFile;

struct _Offer
{
  HallwayDaemonDrops        *self;      /* (unowned) */
  char                      *id;        /* the sender's handle: 32 hex digits */
  char                      *short_id;  /* the person's: "3" */
  char                      *peer_id;
  char                      *peer_name;
  gboolean                   trusted;
  GPtrArray                 *files;     /* DropFile */
  guint64                    total;
  OfferState                 state;
  gint64                     expires;
  gint64                     ended;     /* monotonic time it ended, for pruning */
  char                      *folder;    /* (nullable) until accepted */
  char                      *message;   /* (nullable) why it failed */
  GArray                    *accepted;  /* guint */
  guint                      expire_id;
  GList                     *waiters;   /* Waiter */
  gint64                     bytes_notified;
  HallwayDBusObjectSkeleton *object;
  HallwayDBusOffer1         *iface;
};

typedef struct
{
  Offer             *offer;    /* (unowned): waiters end before offers */
  SoupServerMessage *msg;
  guint              timeout_id;
  gulong             finished_id;
} Waiter;

struct _Writer
{
  HallwayDaemonDrops *self;
  SoupServerMessage  *msg;
  char               *offer_id;
  guint               index;
  HallwayPartWriter  *part;
  guint64             start;
  guint               status;     /* an error answered while receiving */
  gboolean            superseded;
};

struct _HallwayDaemonDrops
{
  GObject                   parent_instance;

  GApplication             *app;        /* (unowned) */
  GDBusObjectManagerServer *manager;
  HallwayPins              *pins;
  HallwayProblemFunc        problem_func;
  gpointer                  problem_data;
  GSettings                *settings;   /* (nullable) without a schema */
  char                     *state_path;
  SoupServer               *server;
  GHashTable               *offers;     /* id → Offer */
  GHashTable               *by_short;   /* short id → Offer (unowned) */
  guint                     next_short;
  gboolean                  accepts;
  HallwayStateFile         *state_file; /* (nullable) the offers being received */
};

G_DEFINE_FINAL_TYPE (HallwayDaemonDrops, hallway_daemon_drops, G_TYPE_OBJECT)

enum { PROP_0, PROP_ACCEPTS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void     offer_set_state      (Offer *offer, OfferState state, const char *message);
static void     save                 (HallwayDaemonDrops *self);
static void     complete_empty_files (Offer *offer);
static gboolean offer_all_complete   (Offer *offer);
static int      open_file_dir        (Offer *offer, DropFile *file, int root_fd, gboolean create,
                                      GError **error);
static int      open_part            (Offer *offer, DropFile *file, int dir_fd, GError **error);
static gboolean commit_file          (Offer *offer, DropFile *file, HallwayPartWriter *part,
                                      GError **error);

/* Settings */

static char *
dup_policy (HallwayDaemonDrops *self)
{
  return self->settings != NULL ? g_settings_get_string (self->settings, "accept-policy")
                                : g_strdup ("ask");
}

static guint
get_timeout (HallwayDaemonDrops *self)
{
  return self->settings != NULL ? g_settings_get_uint (self->settings, "offer-timeout") : 120;
}

static char *
dup_receive_folder (HallwayDaemonDrops *self)
{
  return hallway_dup_receive_folder (self->settings);
}

static void
update_accepts (HallwayDaemonDrops *self)
{
  g_autofree char *policy = dup_policy (self);
  gboolean accepts = g_strcmp0 (policy, "refuse") != 0;

  if (accepts == self->accepts)
    return;
  self->accepts = accepts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCEPTS]);
}

static void
policy_changed_cb (GSettings          *settings,
                   const char         *key,
                   HallwayDaemonDrops *self)
{
  update_accepts (self);
}

/* Free space */

static gboolean
free_space (const char *folder,
            guint64    *out_available)
{
  struct statvfs st;

  if (statvfs (folder, &st) != 0)
    return FALSE;
  *out_available = (guint64) st.f_bavail * st.f_frsize;
  return TRUE;
}

/* Offers */

static void
drop_file_free (DropFile *file)
{
  g_free (file->path);
  g_free (file->dir);
  g_free (file->part);
  g_free (file->final);
  g_free (file);
}

static gboolean
state_has_ended (OfferState state)
{
  return state != STATE_PENDING && state != STATE_ACCEPTED;
}

static void
waiter_answer (Waiter *waiter)
{
  Offer *offer = waiter->offer;
  g_autofree char *json = NULL;
  gsize length;

  offer->waiters = g_list_remove (offer->waiters, waiter);
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  g_clear_signal_handler (&waiter->finished_id, waiter->msg);

  json = hallway_drop_status_to_json (offer->id, state_names[offer->state], offer->accepted,
                                      offer->expires, offer->message, &length);
  soup_server_message_set_status (waiter->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (waiter->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&json), length);
  soup_server_message_unpause (waiter->msg);
  g_object_unref (waiter->msg);
  g_free (waiter);
}

static void
answer_waiters (Offer *offer)
{
  while (offer->waiters != NULL)
    waiter_answer (offer->waiters->data);
}

static void
offer_free (Offer *offer)
{
  /* Nobody may be left paused on a forgotten offer. */
  answer_waiters (offer);
  g_clear_handle_id (&offer->expire_id, g_source_remove);
  for (guint i = 0; offer->files != NULL && i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);

      if (file->writer != NULL)
        file->writer->superseded = TRUE;
    }
  if (offer->object != NULL && offer->self != NULL && offer->self->manager != NULL)
    g_dbus_object_manager_server_unexport (offer->self->manager,
                                           g_dbus_object_get_object_path (G_DBUS_OBJECT (offer->object)));
  g_clear_object (&offer->iface);
  g_clear_object (&offer->object);
  g_clear_pointer (&offer->files, g_ptr_array_unref);
  g_clear_pointer (&offer->accepted, g_array_unref);
  g_free (offer->id);
  g_free (offer->short_id);
  g_free (offer->peer_id);
  g_free (offer->peer_name);
  g_free (offer->folder);
  g_free (offer->message);
  g_free (offer);
}

static guint64
offer_received (Offer *offer)
{
  guint64 bytes = 0;

  for (guint i = 0; i < offer->files->len; i++)
    bytes += ((DropFile *) g_ptr_array_index (offer->files, i))->received;
  return bytes;
}

static void
offer_update_bytes (Offer    *offer,
                    gboolean  force)
{
  gint64 now = g_get_monotonic_time ();

  /* At most ten updates a second reach the bus. */
  if (!force && now - offer->bytes_notified < BYTES_INTERVAL_US)
    return;
  offer->bytes_notified = now;
  hallway_dbus_offer1_set_bytes (offer->iface, offer_received (offer));
}

static void
withdraw_notification (Offer *offer)
{
  g_autofree char *notification_id = g_strconcat ("offer-", offer->short_id, NULL);

  if (offer->self->app != NULL && g_application_get_is_registered (offer->self->app))
    g_application_withdraw_notification (offer->self->app, notification_id);
}

static void
offer_set_state (Offer      *offer,
                 OfferState  state,
                 const char *message)
{
  if (offer->state == state && message == NULL)
    return;

  offer->state = state;
  if (message != NULL)
    {
      g_free (offer->message);
      offer->message = g_strdup (message);
      hallway_dbus_offer1_set_error (offer->iface, message);
    }
  hallway_dbus_offer1_set_state (offer->iface, state_names[state]);
  if (state != STATE_PENDING)
    {
      g_clear_handle_id (&offer->expire_id, g_source_remove);
      withdraw_notification (offer);
    }
  if (state_has_ended (state))
    offer->ended = g_get_monotonic_time ();
  g_debug ("Offer %s is %s", offer->short_id, state_names[state]);
  answer_waiters (offer);
  save (offer->self);
}

/* Removes the part files of an offer that ends unfinished: nothing half
 * received is left behind. */
static void
offer_remove_parts (Offer *offer)
{
  int root_fd;

  if (offer->folder == NULL)
    return;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return;

  for (guint i = 0; i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);
      g_auto(GStrv) names = NULL;
      g_autoptr(GError) error = NULL;
      int dir_fd;

      if (file->writer != NULL)
        {
          file->writer->superseded = TRUE;
          file->writer = NULL;
        }
      if (file->complete || file->part == NULL || file->dir == NULL)
        continue;
      if (*file->dir == '\0')
        dir_fd = dup (root_fd);
      else
        {
          names = g_strsplit (file->dir, "/", -1);
          dir_fd = hallway_path_open (root_fd, (const char * const *) names,
                                      O_RDONLY | O_DIRECTORY, 0, &error);
        }
      if (dir_fd < 0)
        continue;
      unlinkat (dir_fd, file->part, 0);
      close (dir_fd);
      g_clear_pointer (&file->part, g_free);
      file->received = 0;
    }
  close (root_fd);
  offer_update_bytes (offer, TRUE);
}

static void
offer_end (Offer      *offer,
           OfferState  state,
           const char *message)
{
  if (state_has_ended (offer->state))
    return;
  if (state != STATE_DONE)
    offer_remove_parts (offer);
  offer_set_state (offer, state, message);
}

static gboolean
expire_cb (gpointer user_data)
{
  Offer *offer = user_data;

  offer->expire_id = 0;
  if (offer->state == STATE_PENDING)
    offer_end (offer, STATE_EXPIRED, _("Nobody answered in time"));
  return G_SOURCE_REMOVE;
}

static guint
count_pending (HallwayDaemonDrops *self,
               const char         *peer_id)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->offers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Offer *offer = value;

      if (offer->state == STATE_PENDING &&
          (peer_id == NULL || g_str_equal (offer->peer_id, peer_id)))
        n++;
    }
  return n;
}

/* Ended offers stay listed, but not forever: a sender could otherwise
 * grow the list without bound. */
static void
prune_ended (HallwayDaemonDrops *self)
{
  for (;;)
    {
      GHashTableIter iter;
      gpointer value;
      Offer *oldest = NULL;
      guint n = 0;

      g_hash_table_iter_init (&iter, self->offers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Offer *offer = value;

          if (!state_has_ended (offer->state))
            continue;
          n++;
          if (oldest == NULL || offer->ended < oldest->ended)
            oldest = offer;
        }
      if (n <= HALLWAY_DROPS_MAX_ENDED || oldest == NULL)
        return;
      g_hash_table_remove (self->by_short, oldest->short_id);
      g_hash_table_remove (self->offers, oldest->id);
    }
}

static char *
new_offer_id (void)
{
  guint8 bytes[HALLWAY_DROP_ID_LENGTH / 2];
  GString *id = g_string_sized_new (HALLWAY_DROP_ID_LENGTH);
  g_autoptr(GRand) fallback = NULL;
  int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  gboolean ok = FALSE;

  /* The id is the sender's only handle on the offer: it must not be
   * guessable by another computer. */
  if (fd >= 0)
    {
      ok = read (fd, bytes, sizeof bytes) == sizeof bytes;
      close (fd);
    }
  if (!ok)
    {
      fallback = g_rand_new ();
      for (guint i = 0; i < sizeof bytes; i++)
        bytes[i] = g_rand_int_range (fallback, 0, 256);
    }
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  return g_string_free (id, FALSE);
}

static GVariant *
files_variant (Offer *offer)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(st)"));
  for (guint i = 0; i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);

      g_variant_builder_add (&builder, "(st)", file->path, file->size);
    }
  return g_variant_builder_end (&builder);
}

static gboolean handle_accept_cb  (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   GVariant *files, const char *folder, Offer *offer);
static gboolean handle_decline_cb (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   Offer *offer);
static gboolean handle_cancel_cb  (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   Offer *offer);

static Offer *
offer_add (HallwayDaemonDrops *self,
           const char         *id,
           const char         *peer_id,
           const char         *peer_name,
           gboolean            trusted)
{
  Offer *offer = g_new0 (Offer, 1);
  g_autofree char *path = NULL;

  offer->self = self;
  offer->id = g_strdup (id);
  offer->short_id = g_strdup_printf ("%u", ++self->next_short);
  offer->peer_id = g_strdup (peer_id);
  offer->peer_name = g_strdup (peer_name);
  offer->trusted = trusted;
  offer->files = g_ptr_array_new_with_free_func ((GDestroyNotify) drop_file_free);
  offer->accepted = g_array_new (FALSE, FALSE, sizeof (guint));

  path = g_strdup_printf ("%s/%s", HALLWAY_DROPS_OBJECT_PATH, offer->short_id);
  offer->object = hallway_dbus_object_skeleton_new (path);
  offer->iface = hallway_dbus_offer1_skeleton_new ();
  g_signal_connect (offer->iface, "handle-accept", G_CALLBACK (handle_accept_cb), offer);
  g_signal_connect (offer->iface, "handle-decline", G_CALLBACK (handle_decline_cb), offer);
  g_signal_connect (offer->iface, "handle-cancel", G_CALLBACK (handle_cancel_cb), offer);

  g_hash_table_insert (self->offers, offer->id, offer);
  g_hash_table_insert (self->by_short, offer->short_id, offer);
  return offer;
}

static void
offer_export (Offer *offer)
{
  HallwayDBusOffer1 *iface = offer->iface;

  hallway_dbus_offer1_set_id (iface, offer->short_id);
  hallway_dbus_offer1_set_peer (iface, offer->peer_id);
  hallway_dbus_offer1_set_peer_name (iface, offer->peer_name);
  hallway_dbus_offer1_set_trusted (iface, offer->trusted);
  hallway_dbus_offer1_set_files (iface, files_variant (offer));
  hallway_dbus_offer1_set_total (iface, offer->total);
  hallway_dbus_offer1_set_state (iface, state_names[offer->state]);
  hallway_dbus_offer1_set_expires (iface, offer->expires);
  hallway_dbus_offer1_set_folder (iface, offer->folder != NULL ? offer->folder : "");
  hallway_dbus_offer1_set_bytes (iface, offer_received (offer));
  hallway_dbus_offer1_set_error (iface, offer->message != NULL ? offer->message : "");
  hallway_dbus_object_skeleton_set_offer1 (offer->object, iface);
  g_dbus_object_manager_server_export (offer->self->manager,
                                       G_DBUS_OBJECT_SKELETON (offer->object));
}

static guint64
accepted_bytes_left (Offer  *offer,
                     GArray *indexes)
{
  guint64 needed = 0;

  for (guint i = 0; i < indexes->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, g_array_index (indexes, guint, i));

      needed += file->size - file->received;
    }
  return needed;
}

static char *
no_space_message (const char *folder,
                  guint64     needed,
                  guint64     available)
{
  g_autofree char *needed_text = g_format_size (needed);
  g_autofree char *free_text = g_format_size (available);

  /* Translators: %1$s is a folder, %2$s and %3$s sizes ("300.0 MB"). */
  return g_strdup_printf (_("Not enough space in %1$s: needs %2$s, %3$s free"),
                          folder, needed_text, free_text);
}

/* Accepts @indexes of a pending offer into @folder (absolute). */
static gboolean
offer_accept (Offer       *offer,
              GArray      *indexes,
              const char  *folder,
              GError     **error)
{
  guint64 needed;
  guint64 available;

  if (offer->state != STATE_PENDING)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("This offer is no longer waiting for an answer (it is %s)"),
                   state_names[offer->state]);
      return FALSE;
    }
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   /* Translators: %1$s is a folder, %2$s the system's reason. */
                   _("Could not create the folder “%1$s”: %2$s"), folder,
                   g_strerror (saved_errno));
      return FALSE;
    }

  needed = accepted_bytes_left (offer, indexes);
  if (free_space (folder, &available) && available < needed)
    {
      g_autofree char *message = no_space_message (folder, needed, available);

      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_NO_SPACE, message);
      offer_end (offer, STATE_FAILED,
                 _("The computer does not have room for these files"));
      return FALSE;
    }

  g_array_set_size (offer->accepted, 0);
  for (guint i = 0; i < indexes->len; i++)
    {
      guint index = g_array_index (indexes, guint, i);
      DropFile *file = g_ptr_array_index (offer->files, index);

      if (file->accepted)
        continue;
      file->accepted = TRUE;
      g_array_append_val (offer->accepted, index);
    }
  g_free (offer->folder);
  offer->folder = g_strdup (folder);
  hallway_dbus_offer1_set_folder (offer->iface, folder);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_PEER", offer->peer_name,
                    "MESSAGE", "Accepted offer %s from ‘%s’: %u of %u files",
                    offer->short_id, offer->peer_name, offer->accepted->len, offer->files->len);
  offer_set_state (offer, STATE_ACCEPTED, NULL);
  complete_empty_files (offer);
  return TRUE;
}

/* An empty file needs no bytes from the sender: it is made when the offer
 * is accepted, so a HEAD (Hallway-Received: 0, its whole size) is true. */
static gboolean
complete_empty_file (Offer     *offer,
                     DropFile  *file,
                     GError   **error)
{
  g_autoptr(HallwayPartWriter) part = NULL;
  int root_fd;
  int dir_fd;
  int fd;

  if (file->complete || file->size != 0)
    return TRUE;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      return FALSE;
    }
  dir_fd = open_file_dir (offer, file, root_fd, TRUE, error);
  close (root_fd);
  if (dir_fd < 0)
    return FALSE;
  fd = open_part (offer, file, dir_fd, error);
  close (dir_fd);
  if (fd < 0)
    return FALSE;
  part = hallway_part_writer_new (fd, 0);
  if (!commit_file (offer, file, part, error))
    return FALSE;
  file->complete = TRUE;
  return TRUE;
}

static void
complete_empty_files (Offer *offer)
{
  for (guint i = 0; i < offer->accepted->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, g_array_index (offer->accepted, guint, i));
      g_autoptr(GError) error = NULL;

      if (!complete_empty_file (offer, file, &error))
        g_warning ("Could not create an empty file of offer %s: %s", offer->short_id,
                   error->message);
    }
  if (offer_all_complete (offer))
    offer_end (offer, STATE_DONE, NULL);
}

static gboolean
handle_accept_cb (HallwayDBusOffer1     *iface,
                  GDBusMethodInvocation *invocation,
                  GVariant              *files,
                  const char            *folder,
                  Offer                 *offer)
{
  g_autoptr(GArray) indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  gsize n = g_variant_n_children (files);

  if (n == 0)
    for (guint i = 0; i < offer->files->len; i++)
      g_array_append_val (indexes, i);
  for (gsize i = 0; i < n; i++)
    {
      guint index;

      g_variant_get_child (files, i, "u", &index);
      if (index >= offer->files->len)
        {
          g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                                 HALLWAY_ERROR_INVALID_ARGUMENT,
                                                 _("There is no file %u in this offer"), index);
          return TRUE;
        }
      g_array_append_val (indexes, index);
    }

  if (*folder != '\0' && !g_path_is_absolute (folder))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not an absolute folder"), folder);
      return TRUE;
    }
  target = *folder != '\0' ? g_canonicalize_filename (folder, NULL)
                           : dup_receive_folder (offer->self);

  if (!offer_accept (offer, indexes, target, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_offer1_complete_accept (iface, invocation);
  return TRUE;
}

static gboolean
handle_decline_cb (HallwayDBusOffer1     *iface,
                   GDBusMethodInvocation *invocation,
                   Offer                 *offer)
{
  if (offer->state != STATE_PENDING)
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                                             _("This offer is no longer waiting for an answer "
                                               "(it is %s)"), state_names[offer->state]);
      return TRUE;
    }
  offer_end (offer, STATE_DECLINED, NULL);
  hallway_dbus_offer1_complete_decline (iface, invocation);
  return TRUE;
}

static gboolean
handle_cancel_cb (HallwayDBusOffer1     *iface,
                  GDBusMethodInvocation *invocation,
                  Offer                 *offer)
{
  if (state_has_ended (offer->state))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                                             _("This offer has already ended (it is %s)"),
                                             state_names[offer->state]);
      return TRUE;
    }
  offer_end (offer, STATE_CANCELLED, NULL);
  hallway_dbus_offer1_complete_cancel (iface, invocation);
  return TRUE;
}

/* Notifications: when no window is open, the person is asked through the
 * desktop's notifications, with buttons that act on hallwayd itself. */

static void
notify_offer (Offer *offer)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *size = g_format_size (offer->total);
  g_autofree char *title = NULL;
  g_autofree char *notification_id = g_strconcat ("offer-", offer->short_id, NULL);
  GApplication *app = offer->self->app;

  if (app == NULL || !g_application_get_is_registered (app) || offer->state != STATE_PENDING)
    return;

  /* Translators: %1$s is a colleague's name, %2$u a number of files, %3$s
   * their size ("12.0 MB"). */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%1$s wants to send you %2$u file (%3$s)",
                                        "%1$s wants to send you %2$u files (%3$s)",
                                        offer->files->len),
                           offer->peer_name, offer->files->len, size);
  notification = g_notification_new (title);
  {
    g_autofree char *folder = dup_receive_folder (offer->self);
    /* Translators: %s is a folder. */
    g_autofree char *body = g_strdup_printf (_("If you accept, they are saved in %s."), folder);

    g_notification_set_body (notification, body);
  }
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_add_button_with_target (notification, _("Decline"), "app.decline-offer", "s",
                                         offer->short_id);
  g_notification_add_button_with_target (notification, _("Accept"), "app.accept-offer", "s",
                                         offer->short_id);
  g_notification_set_default_action_and_target (notification, "app.show-offer", "s",
                                                offer->short_id);
  g_application_send_notification (app, notification_id, notification);
}

/* Whether to notify is decided from the bus: not when the window is open
 * (it asks itself), and not when no notification server is there to show
 * it (GLib would only warn). */
typedef struct
{
  HallwayDaemonDrops *self;
  char               *id;
} NotifyCheck;

static void
notify_check_free (NotifyCheck *check)
{
  g_object_unref (check->self);
  g_free (check->id);
  g_free (check);
}

static gboolean
names_contain (GVariant   *reply,
               const char *name)
{
  g_autoptr(GVariant) child = NULL;
  g_autofree const char **names = NULL;

  if (reply == NULL)
    return FALSE;
  child = g_variant_get_child_value (reply, 0);
  names = g_variant_get_strv (child, NULL);
  return g_strv_contains (names, name);
}

static void
notify_if_possible (NotifyCheck *check)
{
  Offer *offer = check->self->offers != NULL ? g_hash_table_lookup (check->self->offers, check->id)
                                              : NULL;

  if (offer != NULL)
    notify_offer (offer);
  notify_check_free (check);
}

static void
activatable_listed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  NotifyCheck *check = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);

  if (names_contain (reply, "org.freedesktop.Notifications"))
    notify_if_possible (check);
  else
    {
      g_debug ("No notification server; offers are only listed");
      notify_check_free (check);
    }
}

static void
names_listed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NotifyCheck *check = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);

  if (reply == NULL || names_contain (reply, GUI_BUS_NAME))
    {
      notify_check_free (check);
      return;
    }
  if (names_contain (reply, "org.freedesktop.Notifications") ||
      names_contain (reply, "org.gtk.Notifications"))
    {
      notify_if_possible (check);
      return;
    }
  g_dbus_connection_call (G_DBUS_CONNECTION (source), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListActivatableNames",
                          NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          activatable_listed_cb, check);
}

static void
maybe_notify (Offer *offer)
{
  GApplication *app = offer->self->app;
  GDBusConnection *connection = app != NULL ? g_application_get_dbus_connection (app) : NULL;
  NotifyCheck *check;

  if (connection == NULL)
    return;
  check = g_new0 (NotifyCheck, 1);
  check->self = g_object_ref (offer->self);
  check->id = g_strdup (offer->id);
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListNames", NULL, G_VARIANT_TYPE ("(as)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, names_listed_cb, check);
}

static Offer *
lookup_short (HallwayDaemonDrops *self,
              GVariant           *parameter)
{
  const char *short_id = parameter != NULL ? g_variant_get_string (parameter, NULL) : "";

  return g_hash_table_lookup (self->by_short, short_id);
}

static void
accept_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  HallwayDaemonDrops *self = user_data;
  Offer *offer = lookup_short (self, parameter);
  g_autoptr(GArray) indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;

  if (offer == NULL || offer->state != STATE_PENDING)
    return;
  for (guint i = 0; i < offer->files->len; i++)
    g_array_append_val (indexes, i);
  folder = dup_receive_folder (self);
  if (!offer_accept (offer, indexes, folder, &error))
    g_warning ("Could not accept offer %s: %s", offer->short_id, error->message);
}

static void
decline_action_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  Offer *offer = lookup_short (user_data, parameter);

  if (offer != NULL && offer->state == STATE_PENDING)
    offer_end (offer, STATE_DECLINED, NULL);
}

static void
show_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  HallwayDaemonDrops *self = user_data;
  GDBusConnection *connection = g_application_get_dbus_connection (self->app);

  /* D-Bus activation starts the window, which lists the offer. */
  if (connection == NULL)
    return;
  g_dbus_connection_call (connection, GUI_BUS_NAME, GUI_OBJECT_PATH,
                          "org.freedesktop.Application", "Activate",
                          g_variant_new ("(a{sv})", NULL), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, NULL, NULL);
}

/* Persistence: accepted offers that are not finished survive a restart. */

static void
build_offer (JsonBuilder *builder,
             Offer       *offer)
{
  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", offer->id);
  hallway_json_add_string (builder, "peer", offer->peer_id);
  hallway_json_add_string (builder, "peer_name", offer->peer_name);
  hallway_json_add_bool (builder, "trusted", offer->trusted);
  hallway_json_add_string (builder, "folder", offer->folder);
  hallway_json_begin_array_member (builder, "files");
  for (guint i = 0; i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "path", file->path);
      hallway_json_add_int (builder, "size", file->size);
      hallway_json_add_bool (builder, "accepted", file->accepted);
      hallway_json_add_bool (builder, "complete", file->complete);
      if (file->dir != NULL)
        {
          hallway_json_add_string (builder, "dir", file->dir);
        }
      if (file->part != NULL)
        {
          hallway_json_add_string (builder, "part", file->part);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static char *
build_state (gpointer  user_data,
             gsize    *length)
{
  HallwayDaemonDrops *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  GHashTableIter iter;
  gpointer value;

  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, self->offers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Offer *) value)->state == STATE_ACCEPTED)
      build_offer (builder, value);
  json_builder_end_array (builder);
  return hallway_json_to_data (builder, FALSE, length);
}

static void
save_failed_cb (HallwayStateFile *state_file,
                const GError     *error)
{
  g_warning ("Could not save the offers being received: %s", error->message);
}

/* Saves the accepted offers without holding up the main loop: a file
 * finished costs no fsync of its own, many finished during one write are
 * saved together by the next. */
static void
save (HallwayDaemonDrops *self)
{
  if (self->state_file != NULL)
    hallway_state_file_save (self->state_file);
}

/* Saves now, in this thread (at shutdown): newer than any save under way. */
gboolean
hallway_daemon_drops_save_now (HallwayDaemonDrops  *self,
                               GError             **error)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_DROPS (self), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  return hallway_state_file_save_now (self->state_file, error);
}

/* A part file saved before a restart holds what was written then; what it
 * holds now is what counts. */
static void
file_find_part (Offer    *offer,
                DropFile *file)
{
  g_autoptr(GError) error = NULL;
  struct stat st;
  int root_fd;
  int dir_fd;

  file->received = 0;
  if (file->part == NULL || file->dir == NULL)
    return;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return;
  dir_fd = open_file_dir (offer, file, root_fd, FALSE, &error);
  close (root_fd);
  if (dir_fd < 0)
    return;
  if (fstatat (dir_fd, file->part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode) &&
      (guint64) st.st_size <= file->size)
    file->received = st.st_size;
  close (dir_fd);
}

static gboolean
load_offer (HallwayDaemonDrops *self,
            JsonObject         *object)
{
  const char *id = hallway_json_get_string (object, "id");
  const char *peer = hallway_json_get_string (object, "peer");
  const char *peer_name = hallway_json_get_string (object, "peer_name");
  const char *folder = hallway_json_get_string (object, "folder");
  JsonNode *files_node = json_object_get_member (object, "files");
  JsonArray *files;
  gboolean trusted = FALSE;
  Offer *offer;

  if (!hallway_drop_id_is_valid (id) || peer == NULL || peer_name == NULL || folder == NULL ||
      !g_path_is_absolute (folder) || files_node == NULL || !JSON_NODE_HOLDS_ARRAY (files_node) ||
      g_hash_table_contains (self->offers, id))
    return FALSE;
  files = json_node_get_array (files_node);
  if (json_array_get_length (files) == 0 || json_array_get_length (files) > HALLWAY_DROP_MAX_FILES)
    return FALSE;
  if (json_object_has_member (object, "trusted"))
    trusted = json_object_get_boolean_member (object, "trusted");

  offer = offer_add (self, id, peer, peer_name, trusted);
  offer->state = STATE_ACCEPTED;
  offer->folder = g_strdup (folder);
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonNode *node = json_array_get_element (files, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *path = entry != NULL ? hallway_json_get_string (entry, "path") : NULL;
      const char *dir = entry != NULL ? hallway_json_get_string (entry, "dir") : NULL;
      const char *part = entry != NULL ? hallway_json_get_string (entry, "part") : NULL;
      DropFile *file;
      gint64 size;

      if (path == NULL || !json_object_has_member (entry, "size") ||
          (size = json_object_get_int_member (entry, "size")) < 0)
        {
          g_hash_table_remove (self->by_short, offer->short_id);
          g_hash_table_remove (self->offers, offer->id);
          return FALSE;
        }
      file = g_new0 (DropFile, 1);
      /* Sanitized when offered, and again here: the file may be damaged. */
      file->path = hallway_drop_sanitize_path (path);
      file->size = size;
      file->accepted = json_object_get_boolean_member_with_default (entry, "accepted", FALSE);
      file->complete = json_object_get_boolean_member_with_default (entry, "complete", FALSE);
      if (dir != NULL)
        file->dir = *dir == '\0' ? g_strdup ("") : hallway_drop_sanitize_path (dir);
      if (part != NULL && hallway_path_component_is_valid (part, TRUE) &&
          g_str_has_suffix (part, HALLWAY_TRANSFER_PART_SUFFIX))
        file->part = g_strdup (part);
      if (file->accepted)
        g_array_append_val (offer->accepted, i);
      offer->total += file->size;
      g_ptr_array_add (offer->files, file);
      if (file->complete)
        file->received = file->size;
      else
        file_find_part (offer, file);
    }
  offer_export (offer);
  return TRUE;
}

gboolean
hallway_daemon_drops_load (HallwayDaemonDrops  *self,
                           GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  JsonNode *root;
  JsonArray *array;
  gsize length;
  guint damaged = 0;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_DROPS (self), FALSE);

  if (!g_file_get_contents (self->state_path, &data, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  root = hallway_json_parse (parser, data, length, STATE_MAX_BYTES, "list of offers", error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The list of offers is not a JSON array");
      return FALSE;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) || !load_offer (self, json_node_get_object (node)))
        damaged++;
    }
  if (damaged > 0)
    g_message ("Left out %u damaged entries of the list of offers", damaged);
  return TRUE;
}

/* HTTP */

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *message)
{
  hallway_daemon_server_reply_error (msg, status, code, message);
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            char              *json,
            gsize              length)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, json, length);
}

static void
reply_status (SoupServerMessage *msg,
              guint              status,
              Offer             *offer)
{
  gsize length;
  char *json = hallway_drop_status_to_json (offer->id, state_names[offer->state],
                                            offer->accepted, offer->expires, offer->message,
                                            &length);

  reply_json (msg, status, json, length);
}

static void
set_received_header (SoupServerMessage *msg,
                     guint64            received)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, received);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Hallway-Received", text);
}

/* The sender, from its certificate. A neighbour whose identity is in
 * doubt (it changed since it was pinned) may not send anything. */
static char *
dup_sender (HallwayDaemonDrops *self,
            SoupServerMessage  *msg)
{
  g_autofree char *client_id = hallway_daemon_access_dup_client_id (msg);
  const char *problem;

  if (client_id == NULL)
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                   _("Sending files needs Hallway on the sending computer"));
      return NULL;
    }
  problem = self->problem_func != NULL ? self->problem_func (client_id, self->problem_data) : NULL;
  if (problem != NULL && *problem != '\0')
    {
      reply_error (msg, SOUP_STATUS_FORBIDDEN, "refused",
                   _("This computer’s identity has changed; files from it are refused"));
      return NULL;
    }
  return g_steal_pointer (&client_id);
}

/* Splits "<id>[/files/<n>]" after the prefix. */
static gboolean
parse_path (const char *path,
            char      **out_id,
            gboolean   *out_has_file,
            guint      *out_index)
{
  g_auto(GStrv) parts = NULL;
  guint64 index;

  *out_id = NULL;
  *out_has_file = FALSE;
  if (!g_str_has_prefix (path, API_PREFIX "/"))
    return FALSE;
  parts = g_strsplit (path + strlen (API_PREFIX "/"), "/", 4);
  if (parts[0] == NULL || !hallway_drop_id_is_valid (parts[0]))
    return FALSE;
  if (parts[1] == NULL)
    {
      *out_id = g_strdup (parts[0]);
      return TRUE;
    }
  if (!g_str_equal (parts[1], "files") || parts[2] == NULL || parts[3] != NULL ||
      !g_ascii_string_to_unsigned (parts[2], 10, 0, HALLWAY_DROP_MAX_FILES - 1, &index, NULL))
    return FALSE;
  *out_id = g_strdup (parts[0]);
  *out_has_file = TRUE;
  *out_index = index;
  return TRUE;
}

/* The offer @id, if @sender made it; answers 404 otherwise, so another
 * computer can't even tell that it exists. */
static Offer *
find_offer (HallwayDaemonDrops *self,
            SoupServerMessage  *msg,
            const char         *id,
            const char         *sender)
{
  Offer *offer = g_hash_table_lookup (self->offers, id);

  if (offer == NULL || !g_str_equal (offer->peer_id, sender))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                   _("There is no such offer; offer the files again"));
      return NULL;
    }
  return offer;
}

static void
handle_post (HallwayDaemonDrops *self,
             SoupServerMessage  *msg,
             const char         *sender)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDropOffer) parsed = NULL;
  g_autofree char *policy = dup_policy (self);
  g_autofree char *folder = NULL;
  g_autofree char *id = NULL;
  g_autofree char *peer_name = NULL;
  gboolean trusted;
  guint64 available;
  Offer *offer;

  if (g_str_equal (policy, "refuse"))
    {
      reply_error (msg, SOUP_STATUS_FORBIDDEN, "refused",
                   _("This person does not accept files"));
      return;
    }
  if (count_pending (self, sender) >= HALLWAY_DROPS_MAX_PENDING_PEER ||
      count_pending (self, NULL) >= HALLWAY_DROPS_MAX_PENDING)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "30");
      reply_error (msg, 429, "busy",
                   _("Too many offers are waiting for an answer; try again later"));
      return;
    }

  bytes = soup_message_body_flatten (body);
  parsed = hallway_drop_offer_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     &error);
  if (parsed == NULL)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return;
    }

  folder = dup_receive_folder (self);
  {
    g_autofree char *probe = g_strdup (folder);

    /* The receive folder may not exist yet: ask about the nearest folder
     * that does, on the same file system. */
    while (!g_file_test (probe, G_FILE_TEST_IS_DIR) && strchr (probe + 1, '/') != NULL)
      *strrchr (probe, '/') = '\0';
    if (free_space (probe, &available) && available < parsed->total)
      {
        g_autofree char *message = no_space_message (folder, parsed->total, available);

        g_debug ("Refused an offer: %s", message);
        reply_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
                     _("This computer does not have room for these files"));
        return;
      }
  }

  /* A name the person gave this colleague wins over the one it sends. */
  peer_name = hallway_pins_dup_name (self->pins, sender);
  if (peer_name == NULL || *peer_name == '\0')
    {
      g_free (peer_name);
      peer_name = g_strdup (parsed->name);
    }
  trusted = hallway_pins_get_trusted (self->pins, sender);

  id = new_offer_id ();
  offer = offer_add (self, id, sender, peer_name, trusted);
  for (guint i = 0; i < parsed->files->len; i++)
    {
      HallwayDropFile *offered = g_ptr_array_index (parsed->files, i);
      DropFile *file = g_new0 (DropFile, 1);

      file->path = g_steal_pointer (&offered->path);
      file->size = offered->size;
      g_ptr_array_add (offer->files, file);
    }
  offer->total = parsed->total;
  offer->state = STATE_PENDING;
  offer->expires = g_get_real_time () / G_USEC_PER_SEC + get_timeout (self);
  offer->expire_id = g_timeout_add_seconds (get_timeout (self), expire_cb, offer);
  offer_export (offer);
  prune_ended (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_PEER", offer->peer_name,
                    "MESSAGE", "Offer %s from ‘%s’: %u files, %" G_GUINT64_FORMAT " bytes",
                    offer->short_id, offer->peer_name, offer->files->len, offer->total);

  if (g_str_equal (policy, "trusted") && trusted)
    {
      g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));

      for (guint i = 0; i < offer->files->len; i++)
        g_array_append_val (all, i);
      if (!offer_accept (offer, all, folder, &error))
        g_warning ("Could not accept offer %s by itself: %s", offer->short_id, error->message);
    }
  else
    maybe_notify (offer);

  reply_status (msg, SOUP_STATUS_ACCEPTED, offer);
}

static gboolean
waiter_timeout_cb (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->timeout_id = 0;
  waiter_answer (waiter);
  return G_SOURCE_REMOVE;
}

static void
waiter_finished_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Waiter *waiter = user_data;

  /* The sender went away while waiting. */
  waiter->offer->waiters = g_list_remove (waiter->offer->waiters, waiter);
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  g_clear_signal_handler (&waiter->finished_id, waiter->msg);
  g_object_unref (waiter->msg);
  g_free (waiter);
}

static void
handle_get (HallwayDaemonDrops *self,
            SoupServerMessage  *msg,
            Offer              *offer,
            GHashTable         *query)
{
  const char *wait_text = query != NULL ? g_hash_table_lookup (query, "wait") : NULL;
  guint64 wait = 0;
  Waiter *waiter;

  if (wait_text != NULL &&
      !g_ascii_string_to_unsigned (wait_text, 10, 0, HALLWAY_DROPS_MAX_WAIT_S, &wait, NULL))
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid",
                   _("wait= takes a number of seconds from 0 to 60"));
      return;
    }
  if (offer->state != STATE_PENDING || wait == 0)
    {
      reply_status (msg, SOUP_STATUS_OK, offer);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->offer = offer;
  waiter->msg = g_object_ref (msg);
  waiter->timeout_id = g_timeout_add_seconds (wait, waiter_timeout_cb, waiter);
  waiter->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (waiter_finished_cb),
                                          waiter);
  offer->waiters = g_list_prepend (offer->waiters, waiter);
  soup_server_message_pause (msg);
}

/* Checks that file @index of @offer may receive bytes now; answers and
 * returns NULL when not. */
static DropFile *
check_file (SoupServerMessage *msg,
            Offer             *offer,
            guint              index)
{
  DropFile *file;

  if (index >= offer->files->len)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("There is no such file in this offer"));
      return NULL;
    }
  file = g_ptr_array_index (offer->files, index);
  switch (offer->state)
    {
    case STATE_PENDING:
      reply_error (msg, SOUP_STATUS_CONFLICT, "not-accepted",
                   _("The offer has not been accepted yet"));
      return NULL;
    case STATE_DECLINED:
    case STATE_EXPIRED:
    case STATE_CANCELLED:
      reply_error (msg, SOUP_STATUS_GONE, "gone",
                   offer->state == STATE_DECLINED ? _("The offer was declined")
                   : offer->state == STATE_EXPIRED ? _("The offer expired")
                   : _("The offer was cancelled"));
      return NULL;
    case STATE_FAILED:
      reply_error (msg, SOUP_STATUS_GONE, "gone",
                   offer->message != NULL ? offer->message : _("The offer failed"));
      return NULL;
    case STATE_ACCEPTED:
    case STATE_DONE:
    default:
      break;
    }
  if (!file->accepted)
    {
      reply_error (msg, SOUP_STATUS_CONFLICT, "not-accepted",
                   _("This file was not among the accepted ones"));
      return NULL;
    }
  return file;
}

static void
handle_head (SoupServerMessage *msg,
             Offer             *offer,
             guint              index)
{
  DropFile *file = check_file (msg, offer, index);

  if (file == NULL)
    return;
  set_received_header (msg, file->received);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
handle_delete (SoupServerMessage *msg,
               Offer             *offer)
{
  if (!state_has_ended (offer->state))
    offer_end (offer, STATE_CANCELLED, _("The sender cancelled"));
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Folders: each name is opened below the one before with the confinement
 * helpers, so no link leads out; something other than a folder in the way
 * makes it "name (2)". The names found are kept, so a resumed file goes
 * to the same place. */
static int
open_file_dir (Offer     *offer,
               DropFile  *file,
               int        root_fd,
               gboolean   create,
               GError   **error)
{
  g_auto(GStrv) wanted = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *source = file->dir != NULL ? file->dir : file->path;
  guint n_folders;
  int dir_fd = dup (root_fd);

  wanted = *source != '\0' ? g_strsplit (source, "/", -1) : g_new0 (char *, 1);
  n_folders = g_strv_length (wanted);
  if (file->dir == NULL && n_folders > 0)
    n_folders--;   /* the file's own name */

  for (guint i = 0; i < n_folders && dir_fd >= 0; i++)
    {
      int next = -1;

      for (guint n = 1; next < 0 && n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
        {
          g_autofree char *name = n == 1 ? g_strdup (wanted[i])
                                         : hallway_transfer_collision_name (wanted[i], n);
          const char *names[] = { name, NULL };
          g_autoptr(GError) local_error = NULL;

          next = hallway_path_open (dir_fd, names, O_RDONLY | O_DIRECTORY, 0, &local_error);
          if (next >= 0)
            {
              g_ptr_array_add (found, g_steal_pointer (&name));
              break;
            }
          if (errno == ENOENT && create)
            {
              if (mkdirat (dir_fd, name, 0777) == 0 || errno == EEXIST)
                {
                  g_clear_error (&local_error);
                  next = hallway_path_open (dir_fd, names, O_RDONLY | O_DIRECTORY, 0,
                                            &local_error);
                  if (next >= 0)
                    {
                      g_ptr_array_add (found, g_steal_pointer (&name));
                      break;
                    }
                }
            }
          /* Something else is in the way (a file, a link out): the next
           * number; a folder chosen before must be found as it was. */
          if (file->dir != NULL || (errno != ENOTDIR && errno != EEXIST && errno != ELOOP &&
                                    errno != EXDEV && errno != EACCES && errno != EPERM))
            {
              if (file->dir != NULL && errno == ENOENT)
                g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                             _("The folder “%s” is gone"), wanted[i]);
              else
                g_propagate_error (error, g_steal_pointer (&local_error));
              if (error != NULL && *error == NULL)
                g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
              close (dir_fd);
              return -1;
            }
        }
      close (dir_fd);
      dir_fd = next;
    }

  if (dir_fd < 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                     _("Too many items called “%s”"), wanted[found->len]);
      return -1;
    }
  if (file->dir == NULL)
    {
      g_ptr_array_add (found, NULL);
      file->dir = g_strjoinv ("/", (char **) found->pdata);
    }
  return dir_fd;
}

static const char *
file_name (DropFile *file)
{
  const char *slash = strrchr (file->path, '/');

  return slash != NULL ? slash + 1 : file->path;
}

/* Opens (or creates) the part file of @file, positioned at its end. */
static int
open_part (Offer     *offer,
           DropFile  *file,
           int        dir_fd,
           GError   **error)
{
  int fd;

  if (file->part != NULL)
    {
      fd = openat (dir_fd, file->part, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 || errno != ENOENT)
        {
          if (fd < 0)
            g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
          return fd;
        }
      /* Gone (removed by hand): start it over. */
      g_clear_pointer (&file->part, g_free);
      file->received = 0;
    }

  /* Another offer may be receiving the same name here: each part file is
   * created, never taken over. */
  for (guint n = 1; n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (file_name (file))
                                     : hallway_transfer_collision_name (file_name (file), n);
      g_autofree char *part = hallway_transfer_part_name (name);

      fd = openat (dir_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd >= 0)
        {
          file->part = g_steal_pointer (&part);
          file->received = 0;
          save (offer->self);
          return fd;
        }
      if (errno != EEXIST)
        break;
    }
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
  return -1;
}

static gboolean
offer_all_complete (Offer *offer)
{
  for (guint i = 0; i < offer->accepted->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, g_array_index (offer->accepted, guint, i));

      if (!file->complete)
        return FALSE;
    }
  return TRUE;
}

/* Writers: one PUT filling one file */

static void
writer_free (Writer *writer)
{
  g_clear_pointer (&writer->part, hallway_part_writer_free);
  g_free (writer->offer_id);
  g_free (writer);
}

static DropFile *
writer_file (Writer  *writer,
             Offer  **out_offer)
{
  Offer *offer;
  DropFile *file;

  if (writer->superseded)
    return NULL;
  offer = g_hash_table_lookup (writer->self->offers, writer->offer_id);
  if (offer == NULL || writer->index >= offer->files->len)
    return NULL;
  file = g_ptr_array_index (offer->files, writer->index);
  if (file->writer != writer)
    return NULL;
  if (out_offer != NULL)
    *out_offer = offer;
  return file;
}

static void
writer_fail (Writer     *writer,
             guint       status,
             const char *code,
             const char *message)
{
  if (writer->status != 0)
    return;
  writer->status = status;
  /* Answer at once and close: the rest of the body is not read. */
  soup_message_headers_replace (soup_server_message_get_response_headers (writer->msg),
                                "Connection", "close");
  reply_error (writer->msg, status, code, message);
}

static void
writer_no_space (Writer *writer)
{
  Offer *offer = NULL;
  DropFile *file = writer_file (writer, &offer);

  writer_fail (writer, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
               _("This computer ran out of space for these files"));
  hallway_part_writer_close (writer->part);
  if (file != NULL)
    {
      file->writer = NULL;
      offer_end (offer, STATE_FAILED, _("The computer ran out of space for these files"));
    }
}

/* After a write: what the file holds counts as received, also when the
 * disk filled up midway. */
static gboolean
writer_wrote (Writer *writer,
              int     errsv)
{
  Offer *offer = NULL;
  DropFile *file;

  if (errsv == ENOSPC || errsv == EDQUOT)
    writer_no_space (writer);
  else if (errsv != 0)
    writer_fail (writer, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                 _("Could not save the file"));
  file = writer_file (writer, &offer);
  if (file != NULL)
    {
      file->received = hallway_part_writer_get_size (writer->part);
      offer_update_bytes (offer, FALSE);
    }
  return errsv == 0;
}

static gboolean
writer_flush (Writer *writer)
{
  return writer_wrote (writer, hallway_part_writer_flush (writer->part));
}

static void
writer_got_chunk_cb (SoupServerMessage *msg,
                     GBytes            *chunk,
                     gpointer           user_data)
{
  Writer *writer = user_data;
  DropFile *file;
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);

  if (writer->status != 0)
    return;
  file = writer_file (writer, NULL);
  if (file == NULL)
    {
      writer_fail (writer, SOUP_STATUS_GONE, "gone", _("The offer has ended"));
      return;
    }
  if (size > file->size - hallway_part_writer_get_size (writer->part) -
             hallway_part_writer_get_buffered (writer->part))
    {
      /* More than declared: nothing of this request is kept. */
      writer_fail (writer, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                   _("More bytes than the offer said"));
      hallway_part_writer_truncate (writer->part, writer->start);
      file->received = hallway_part_writer_get_size (writer->part);
      return;
    }

  writer_wrote (writer, hallway_part_writer_append (writer->part, data, size));
}

static void
writer_finished_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Writer *writer = user_data;
  DropFile *file;

  /* An interrupted body is kept as far as it came, to be continued. */
  if (writer->status == 0 && hallway_part_writer_get_buffered (writer->part) > 0)
    writer_flush (writer);
  file = writer_file (writer, NULL);
  if (file != NULL)
    file->writer = NULL;
}

static void
put_prepare (HallwayDaemonDrops *self,
             SoupServerMessage  *msg,
             const char         *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autofree char *sender = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_range;
  gboolean has_file;
  guint index = 0;
  guint64 start = 0;
  Offer *offer;
  DropFile *file;
  Writer *writer;
  int root_fd;
  int dir_fd;
  int fd;

  soup_message_body_set_accumulate (body, FALSE);
  sender = dup_sender (self, msg);
  if (sender == NULL)
    return;
  if (!parse_path (path, &id, &has_file, &index) || !has_file)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("There is nothing here"));
      return;
    }
  offer = find_offer (self, msg, id, sender);
  if (offer == NULL)
    return;
  file = check_file (msg, offer, index);
  if (file == NULL)
    return;

  content_range = soup_message_headers_get_one (headers, "Content-Range");
  if (content_range != NULL)
    {
      goffset range_start, range_end, range_total;

      if (!hallway_content_range_parse (content_range, &range_start, &range_end, &range_total) ||
          range_start < 0 || range_total != (goffset) file->size)
        {
          set_received_header (msg, file->received);
          reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "bad-range",
                       _("The range does not fit this file"));
          return;
        }
      start = range_start;
    }
  if (file->complete && start == file->size &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) == 0)
    {
      /* Nothing left to send (an empty file, made at accept): done. */
      g_autofree char *json = NULL;
      gsize length;

      json = hallway_drop_received_to_json (file->size, &length);
      reply_json (msg, SOUP_STATUS_CREATED, g_steal_pointer (&json), length);
      return;
    }
  if (file->complete || (content_range != NULL && start != file->received))
    {
      set_received_header (msg, file->received);
      reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "bad-range",
                   file->complete ? _("This file has already arrived")
                                  : _("Continue from what was received"));
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > file->size - start)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                   _("More bytes than the offer said"));
      return;
    }

  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("The folder to save the files in is gone"));
      return;
    }
  dir_fd = open_file_dir (offer, file, root_fd, TRUE, &error);
  close (root_fd);
  if (dir_fd < 0)
    {
      g_debug ("Could not open the folder of file %u of offer %s: %s", index, offer->short_id,
               error->message);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("Could not create the folder for this file"));
      return;
    }
  /* A new writer takes over from one whose sender gave up on it. */
  if (file->writer != NULL)
    {
      file->writer->superseded = TRUE;
      file->writer = NULL;
    }
  fd = open_part (offer, file, dir_fd, &error);
  close (dir_fd);
  if (fd < 0 || ftruncate (fd, start) != 0 || lseek (fd, start, SEEK_SET) < 0)
    {
      if (fd >= 0)
        close (fd);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed", _("Could not save the file"));
      return;
    }
  file->received = start;

  writer = g_new0 (Writer, 1);
  writer->self = self;
  writer->msg = msg;
  writer->offer_id = g_strdup (offer->id);
  writer->index = index;
  writer->part = hallway_part_writer_new (fd, start);
  writer->start = start;
  file->writer = writer;
  g_object_set_data_full (G_OBJECT (msg), "hallway-drop-writer", writer,
                          (GDestroyNotify) writer_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (writer_got_chunk_cb), writer);
  g_signal_connect (msg, "finished", G_CALLBACK (writer_finished_cb), writer);
}

/* The part file is complete: make it the real file, under a free name.
 * @part is closed whatever happens. */
static gboolean
commit_file (Offer              *offer,
             DropFile           *file,
             HallwayPartWriter  *part,
             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *final = NULL;
  int errsv = hallway_part_writer_finish (part);
  int root_fd;
  int dir_fd;

  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
      return FALSE;
    }

  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      return FALSE;
    }
  dir_fd = open_file_dir (offer, file, root_fd, FALSE, &local_error);
  close (root_fd);
  if (dir_fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  errsv = hallway_part_file_place (dir_fd, file->part, file_name (file), &final);
  if (errsv == 0)
    fsync (dir_fd);
  close (dir_fd);
  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
      return FALSE;
    }
  file->final = g_steal_pointer (&final);
  g_clear_pointer (&file->part, g_free);
  return TRUE;
}

static void
put_finish (HallwayDaemonDrops *self,
            SoupServerMessage  *msg)
{
  Writer *writer = g_object_get_data (G_OBJECT (msg), "hallway-drop-writer");
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  Offer *offer = NULL;
  DropFile *file;
  gsize length;

  if (soup_server_message_get_status (msg) != 0)
    return;   /* answered by the early handler or while receiving */
  if (writer == NULL)
    {
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("The file could not be received"));
      return;
    }
  if (hallway_part_writer_get_buffered (writer->part) > 0 && !writer_flush (writer))
    return;
  file = writer_file (writer, &offer);
  if (file == NULL)
    {
      reply_error (msg, SOUP_STATUS_GONE, "gone", _("The offer has ended"));
      return;
    }

  file->received = hallway_part_writer_get_size (writer->part);
  if (file->received < file->size)
    {
      file->writer = NULL;
      offer_update_bytes (offer, TRUE);
      json = hallway_drop_received_to_json (file->received, &length);
      reply_json (msg, SOUP_STATUS_OK, g_steal_pointer (&json), length);
      return;
    }

  file->writer = NULL;
  if (!commit_file (offer, file, writer->part, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        {
          offer_end (offer, STATE_FAILED, _("The computer ran out of space for these files"));
          reply_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
                       _("This computer ran out of space for these files"));
          return;
        }
      g_warning ("Could not save file %u of offer %s: %s", writer->index, offer->short_id,
                 error->message);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed", _("Could not save the file"));
      return;
    }
  file->complete = TRUE;
  offer_update_bytes (offer, TRUE);
  json = hallway_drop_received_to_json (file->size, &length);
  reply_json (msg, SOUP_STATUS_CREATED, g_steal_pointer (&json), length);

  if (offer_all_complete (offer))
    offer_end (offer, STATE_DONE, NULL);
  else
    save (self);
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  HallwayDaemonDrops *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (method == SOUP_METHOD_PUT)
    {
      put_prepare (self, msg, path);
      return;
    }
  if (method == SOUP_METHOD_POST && g_str_equal (path, API_PREFIX))
    {
      hallway_daemon_server_limit_body (msg, HALLWAY_DROP_MAX_BODY, _("The offer is too large"));
      return;
    }
  /* Nothing else reads its body: don't keep it in memory. */
  soup_message_body_set_accumulate (body, FALSE);
}

static void
drops_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  HallwayDaemonDrops *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *sender = NULL;
  g_autofree char *id = NULL;
  gboolean has_file = FALSE;
  guint index = 0;
  Offer *offer;

  if (method == SOUP_METHOD_PUT)
    {
      put_finish (self, msg);
      return;
    }
  if (soup_server_message_get_status (msg) != 0)
    return;   /* answered while the body arrived */

  sender = dup_sender (self, msg);
  if (sender == NULL)
    return;

  if (g_str_equal (path, API_PREFIX) || g_str_equal (path, API_PREFIX "/"))
    {
      if (method != SOUP_METHOD_POST)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", "POST");
          reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                       _("Only POST is allowed here"));
          return;
        }
      handle_post (self, msg, sender);
      return;
    }

  if (!parse_path (path, &id, &has_file, &index))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("There is nothing here"));
      return;
    }
  offer = find_offer (self, msg, id, sender);
  if (offer == NULL)
    return;

  if (!has_file && method == SOUP_METHOD_GET)
    handle_get (self, msg, offer, query);
  else if (!has_file && method == SOUP_METHOD_DELETE)
    handle_delete (msg, offer);
  else if (has_file && method == SOUP_METHOD_HEAD)
    handle_head (msg, offer, index);
  else
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", has_file ? "HEAD, PUT" : "GET, DELETE");
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                   _("This method is not allowed here"));
    }
}

/* Object */

HallwayDaemonDrops *
hallway_daemon_drops_new (GApplication             *app,
                          GDBusObjectManagerServer *manager,
                          HallwayPins              *pins,
                          const char               *state_path)
{
  static const GActionEntry actions[] = {
    { "accept-offer", accept_action_cb, "s", NULL, NULL, { 0 } },
    { "decline-offer", decline_action_cb, "s", NULL, NULL, { 0 } },
    { "show-offer", show_action_cb, "s", NULL, NULL, { 0 } },
  };
  HallwayDaemonDrops *self;

  g_return_val_if_fail (app == NULL || G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER_SERVER (manager), NULL);
  g_return_val_if_fail (HALLWAY_IS_PINS (pins), NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_DROPS, NULL);
  self->app = app;
  self->manager = g_object_ref (manager);
  self->pins = g_object_ref (pins);
  self->state_path = g_strdup (state_path);
  if (state_path != NULL)
    {
      self->state_file = hallway_state_file_new (state_path, build_state, self);
      g_signal_connect (self->state_file, "failed", G_CALLBACK (save_failed_cb), NULL);
    }
  self->settings = hallway_dup_settings ();
  if (self->settings != NULL)
    g_signal_connect (self->settings, "changed::accept-policy", G_CALLBACK (policy_changed_cb),
                      self);
  self->accepts = TRUE;
  update_accepts (self);
  if (app != NULL)
    g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), self);
  return self;
}

void
hallway_daemon_drops_set_problem_func (HallwayDaemonDrops *self,
                                       HallwayProblemFunc  func,
                                       gpointer            user_data)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_DROPS (self));

  self->problem_func = func;
  self->problem_data = user_data;
}

/**
 * hallway_daemon_drops_attach:
 * @self: a #HallwayDaemonDrops
 * @server: the HTTPS server
 *
 * Serves /api/v1/drops on @server.
 */
void
hallway_daemon_drops_attach (HallwayDaemonDrops *self,
                             SoupServer         *server)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_DROPS (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (self->server == NULL);

  self->server = g_object_ref (server);
  soup_server_add_early_handler (server, API_PREFIX, early_handler, self, NULL);
  soup_server_add_handler (server, API_PREFIX, drops_handler, self, NULL);
}

/**
 * hallway_daemon_drops_get_accepts:
 * @self: a #HallwayDaemonDrops
 *
 * Returns: whether this person accepts files at all (accept-policy is not
 *   "refuse"); announced as drop=1 and accepts-drops
 */
gboolean
hallway_daemon_drops_get_accepts (HallwayDaemonDrops *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_DROPS (self), FALSE);

  return self->accepts;
}

static void
hallway_daemon_drops_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HallwayDaemonDrops *self = HALLWAY_DAEMON_DROPS (object);

  switch (prop_id)
    {
    case PROP_ACCEPTS:
      g_value_set_boolean (value, self->accepts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_daemon_drops_dispose (GObject *object)
{
  HallwayDaemonDrops *self = HALLWAY_DAEMON_DROPS (object);

  /* Before the offers go: a save still waiting is of them. */
  if (self->state_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!hallway_state_file_close (self->state_file, &error))
        g_warning ("Could not save the offers being received: %s", error->message);
      g_clear_object (&self->state_file);
    }
  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, API_PREFIX);
      g_clear_object (&self->server);
    }
  if (self->app != NULL)
    {
      g_action_map_remove_action (G_ACTION_MAP (self->app), "accept-offer");
      g_action_map_remove_action (G_ACTION_MAP (self->app), "decline-offer");
      g_action_map_remove_action (G_ACTION_MAP (self->app), "show-offer");
      self->app = NULL;
    }
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  if (self->by_short != NULL)
    g_hash_table_remove_all (self->by_short);
  if (self->offers != NULL)
    g_hash_table_remove_all (self->offers);
  g_clear_object (&self->manager);
  g_clear_object (&self->pins);

  G_OBJECT_CLASS (hallway_daemon_drops_parent_class)->dispose (object);
}

static void
hallway_daemon_drops_finalize (GObject *object)
{
  HallwayDaemonDrops *self = HALLWAY_DAEMON_DROPS (object);

  g_clear_pointer (&self->by_short, g_hash_table_unref);
  g_clear_pointer (&self->offers, g_hash_table_unref);
  g_free (self->state_path);

  G_OBJECT_CLASS (hallway_daemon_drops_parent_class)->finalize (object);
}

static void
hallway_daemon_drops_class_init (HallwayDaemonDropsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hallway_daemon_drops_get_property;
  object_class->dispose = hallway_daemon_drops_dispose;
  object_class->finalize = hallway_daemon_drops_finalize;

  properties[PROP_ACCEPTS] =
    g_param_spec_boolean ("accepts", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hallway_daemon_drops_init (HallwayDaemonDrops *self)
{
  self->offers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) offer_free);
  self->by_short = g_hash_table_new (g_str_hash, g_str_equal);
}
