/* hallway-daemon-drops.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receiving half of sending files to a colleague (DESIGN §4.3). A
 * neighbour POSTs an offer (hallway-daemon-drops-receive.c); it becomes
 * an Offer1 object at once, so the window or hallwayctl can ask the
 * person, or a notification does when no window is open (-notify.c). The
 * sender long-polls for the answer, then PUTs each accepted file,
 * resuming with Content-Range; accepted offers that are not finished are
 * saved (-store.c), so a sender can continue after this computer restarts.
 *
 * This file has the offers: their states and expiry, accepting them (the
 * settings say where and whether by themselves), and the object.
 */
#include "config.h"

#include "hallway-daemon-drops.h"
#include "hallway-daemon-drops-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-settings.h"

#define BYTES_INTERVAL_US (G_USEC_PER_SEC / 10)

G_DEFINE_FINAL_TYPE (HallwayDaemonDrops, hallway_daemon_drops, G_TYPE_OBJECT)

enum { PROP_0, PROP_ACCEPTS, N_PROPS };
static GParamSpec *properties[N_PROPS];

const char * const _drops_state_names[] = {
  "pending", "accepted", "declined", "expired", "cancelled", "done", "failed",
};

static gboolean handle_accept_cb  (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   GVariant *files, const char *folder, Offer *offer);
static gboolean handle_decline_cb (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   Offer *offer);
static gboolean handle_cancel_cb  (HallwayDBusOffer1 *iface, GDBusMethodInvocation *invocation,
                                   Offer *offer);

/* Settings */

char *
_drops_dup_policy (HallwayDaemonDrops *self)
{
  return self->settings != NULL ? g_settings_get_string (self->settings, "accept-policy")
                                : g_strdup ("ask");
}

guint
_drops_get_timeout (HallwayDaemonDrops *self)
{
  return self->settings != NULL ? g_settings_get_uint (self->settings, "offer-timeout") : 120;
}

char *
_drops_dup_receive_folder (HallwayDaemonDrops *self)
{
  return hallway_dup_receive_folder (self->settings);
}

static void
update_accepts (HallwayDaemonDrops *self)
{
  g_autofree char *policy = _drops_dup_policy (self);
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

gboolean
_drops_free_space (const char *folder,
                   guint64    *out_available)
{
  struct statvfs st;

  if (statvfs (folder, &st) != 0)
    return FALSE;
  *out_available = (guint64) st.f_bavail * st.f_frsize;
  return TRUE;
}

/* Offers */

void
_drops_file_free (DropFile *file)
{
  g_free (file->path);
  g_free (file->dir);
  g_free (file->part);
  g_free (file->final);
  g_free (file);
}

gboolean
_drops_state_has_ended (OfferState state)
{
  return state != STATE_PENDING && state != STATE_ACCEPTED;
}

static void
offer_free (Offer *offer)
{
  /* Nobody may be left paused on a forgotten offer. */
  _drops_answer_waiters (offer);
  g_clear_handle_id (&offer->expire_id, g_source_remove);
  for (guint i = 0; offer->files != NULL && i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);

      if (file->writer != NULL)
        file->writer->superseded = TRUE;
    }
  if (offer->object != NULL && offer->self != NULL && offer->self->manager != NULL)
    {
      const char *path = g_dbus_object_get_object_path (G_DBUS_OBJECT (offer->object));

      g_dbus_object_manager_server_unexport (offer->self->manager, path);
    }
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

guint64
_drops_offer_received (Offer *offer)
{
  guint64 bytes = 0;

  for (guint i = 0; i < offer->files->len; i++)
    bytes += ((DropFile *) g_ptr_array_index (offer->files, i))->received;
  return bytes;
}

void
_drops_offer_update_bytes (Offer    *offer,
                           gboolean  force)
{
  gint64 now = g_get_monotonic_time ();

  /* At most ten updates a second reach the bus. */
  if (!force && now - offer->bytes_notified < BYTES_INTERVAL_US)
    return;
  offer->bytes_notified = now;
  hallway_dbus_offer1_set_bytes (offer->iface, _drops_offer_received (offer));
}

void
_drops_offer_set_state (Offer      *offer,
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
  hallway_dbus_offer1_set_state (offer->iface, _drops_state_names[state]);
  if (state != STATE_PENDING)
    {
      g_clear_handle_id (&offer->expire_id, g_source_remove);
      _drops_withdraw_notification (offer);
    }
  if (_drops_state_has_ended (state))
    offer->ended = g_get_monotonic_time ();
  g_debug ("Offer %s is %s", offer->short_id, _drops_state_names[state]);
  _drops_answer_waiters (offer);
  _drops_save (offer->self);
}

void
_drops_offer_end (Offer      *offer,
                  OfferState  state,
                  const char *message)
{
  if (_drops_state_has_ended (offer->state))
    return;
  if (state != STATE_DONE)
    _drops_offer_remove_parts (offer);
  _drops_offer_set_state (offer, state, message);
}

static gboolean
expire_cb (gpointer user_data)
{
  Offer *offer = user_data;

  offer->expire_id = 0;
  if (offer->state == STATE_PENDING)
    _drops_offer_end (offer, STATE_EXPIRED, _("Nobody answered in time"));
  return G_SOURCE_REMOVE;
}

/* A new offer is listed, and waits for its answer until it expires. */
void
_drops_offer_publish (Offer *offer)
{
  guint timeout = _drops_get_timeout (offer->self);

  offer->state = STATE_PENDING;
  offer->expires = g_get_real_time () / G_USEC_PER_SEC + timeout;
  offer->expire_id = g_timeout_add_seconds (timeout, expire_cb, offer);
  _drops_offer_export (offer);
  _drops_prune_ended (offer->self);
}

guint
_drops_count_pending (HallwayDaemonDrops *self,
                      const char         *peer_id,
                      gboolean            untrusted_only)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->offers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Offer *offer = value;

      if (offer->state == STATE_PENDING && !(untrusted_only && offer->trusted) &&
          (peer_id == NULL || g_str_equal (offer->peer_id, peer_id)))
        n++;
    }
  return n;
}

/* Ended offers stay listed, but not forever: a sender could otherwise
 * grow the list without bound. */
void
_drops_prune_ended (HallwayDaemonDrops *self)
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

          if (!_drops_state_has_ended (offer->state))
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

char *
_drops_new_offer_id (void)
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

Offer *
_drops_offer_add (HallwayDaemonDrops *self,
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
  offer->files = g_ptr_array_new_with_free_func ((GDestroyNotify) _drops_file_free);
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

void
_drops_offer_export (Offer *offer)
{
  HallwayDBusOffer1 *iface = offer->iface;

  hallway_dbus_offer1_set_id (iface, offer->short_id);
  hallway_dbus_offer1_set_peer (iface, offer->peer_id);
  hallway_dbus_offer1_set_peer_name (iface, offer->peer_name);
  hallway_dbus_offer1_set_trusted (iface, offer->trusted);
  hallway_dbus_offer1_set_files (iface, files_variant (offer));
  hallway_dbus_offer1_set_total (iface, offer->total);
  hallway_dbus_offer1_set_state (iface, _drops_state_names[offer->state]);
  hallway_dbus_offer1_set_expires (iface, offer->expires);
  hallway_dbus_offer1_set_folder (iface, offer->folder != NULL ? offer->folder : "");
  hallway_dbus_offer1_set_bytes (iface, _drops_offer_received (offer));
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

char *
_drops_no_space_message (const char *folder,
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
gboolean
_drops_offer_accept (Offer       *offer,
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
                   _drops_state_names[offer->state]);
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
  if (_drops_free_space (folder, &available) && available < needed)
    {
      g_autofree char *message = _drops_no_space_message (folder, needed, available);

      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_NO_SPACE, message);
      _drops_offer_end (offer, STATE_FAILED,
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
  _drops_offer_set_state (offer, STATE_ACCEPTED, NULL);
  _drops_complete_empty_files (offer);
  return TRUE;
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
                           : _drops_dup_receive_folder (offer->self);

  if (!_drops_offer_accept (offer, indexes, target, &error))
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
                                               "(it is %s)"), _drops_state_names[offer->state]);
      return TRUE;
    }
  _drops_offer_end (offer, STATE_DECLINED, NULL);
  hallway_dbus_offer1_complete_decline (iface, invocation);
  return TRUE;
}

static gboolean
handle_cancel_cb (HallwayDBusOffer1     *iface,
                  GDBusMethodInvocation *invocation,
                  Offer                 *offer)
{
  if (_drops_state_has_ended (offer->state))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                                             _("This offer has already ended (it is %s)"),
                                             _drops_state_names[offer->state]);
      return TRUE;
    }
  _drops_offer_end (offer, STATE_CANCELLED, NULL);
  hallway_dbus_offer1_complete_cancel (iface, invocation);
  return TRUE;
}

/* Object */

HallwayDaemonDrops *
hallway_daemon_drops_new (GApplication             *app,
                          GDBusObjectManagerServer *manager,
                          HallwayPins              *pins,
                          const char               *state_path)
{
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
    _drops_store_open (self, state_path);
  self->settings = hallway_dup_settings ();
  if (self->settings != NULL)
    g_signal_connect (self->settings, "changed::accept-policy", G_CALLBACK (policy_changed_cb),
                      self);
  self->accepts = TRUE;
  update_accepts (self);
  _drops_notify_init (self);
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
  _drops_store_close (self);
  _drops_receive_detach (self);
  _drops_notify_clear (self);
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
