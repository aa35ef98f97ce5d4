/* hallway-daemon-drops-notify.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When no window is open, the person is asked through the desktop's
 * notifications, with buttons that act on hallwayd itself (the actions
 * app.accept-offer, app.decline-offer and app.show-offer). Whether to
 * notify is decided from the bus: not when the window is open (it asks
 * itself), and not when no notification server is there to show it
 * (GLib would only warn).
 */
#include "config.h"

#include "hallway-daemon-drops-private.h"

#include <glib/gi18n.h>

/* Where the window's GApplication is, to activate it. */
#define GUI_OBJECT_PATH "/io/github/hallwaylan/Hallway"

/* The one notification for all offers from computers that are not
 * trusted colleagues, once there are several. */
#define UNVERIFIED_NOTIFICATION_ID "offers-unverified"

static gboolean
can_notify (HallwayDaemonDrops *self)
{
  return self->app != NULL && g_application_get_is_registered (self->app);
}

static void
withdraw (HallwayDaemonDrops *self,
          const char         *notification_id)
{
  if (can_notify (self))
    g_application_withdraw_notification (self->app, notification_id);
}

static void
send_offer_notification (Offer      *offer,
                         const char *title)
{
  g_autoptr(GNotification) notification = g_notification_new (title);
  g_autofree char *notification_id = g_strconcat ("offer-", offer->short_id, NULL);
  g_autofree char *folder = _drops_dup_receive_folder (offer->self);
  g_autofree char *body = NULL;

  if (offer->trusted)
    /* Translators: %s is a folder. */
    body = g_strdup_printf (_("If you accept, they are saved in %s."), folder);
  else
    /* Translators: %s is a folder. */
    body = g_strdup_printf (_("This computer is not one of your trusted colleagues: anyone can "
                              "call themselves by any name. If you accept, the files are saved "
                              "in %s."), folder);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_add_button_with_target (notification, _("Decline"), "app.decline-offer", "s",
                                         offer->short_id);
  g_notification_add_button_with_target (notification, _("Accept"), "app.accept-offer", "s",
                                         offer->short_id);
  g_notification_set_default_action_and_target (notification, "app.show-offer", "s",
                                                offer->short_id);
  g_application_send_notification (offer->self->app, notification_id, notification);
}

static char *
dup_offer_title (Offer *offer)
{
  g_autofree char *size = g_format_size (offer->total);

  if (offer->trusted)
    /* Translators: %1$s is a colleague's name, %2$u a number of files, %3$s
     * their size ("12.0 MB"). */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%1$s wants to send you %2$u file (%3$s)",
                                         "%1$s wants to send you %2$u files (%3$s)",
                                         offer->files->len),
                            offer->peer_name, offer->files->len, size);
  /* Translators: %1$s is the name a computer that is not a trusted
   * colleague gives itself, %2$u a number of files, %3$s their size. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Someone calling themselves %1$s — not verified — wants "
                                       "to send you %2$u file (%3$s)",
                                       "Someone calling themselves %1$s — not verified — wants "
                                       "to send you %2$u files (%3$s)",
                                       offer->files->len),
                          offer->peer_name, offer->files->len, size);
}

/* Pending offers from computers that are not trusted colleagues that the
 * person was told of, oldest first. */
static GPtrArray *
dup_unverified_pending (HallwayDaemonDrops *self)
{
  GPtrArray *offers = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->offers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Offer *offer = value;

      if (offer->state == STATE_PENDING && !offer->trusted && offer->notified)
        g_ptr_array_add (offers, offer);
    }
  return offers;
}

/* Offers from computers that are not trusted colleagues are the ones a
 * stranger can make by the dozen, under any name: one is shown as itself,
 * several as one notification that says how many and under which names,
 * so a flood never buries the desktop (nor a colleague's offer). */
static void
notify_unverified (HallwayDaemonDrops *self)
{
  g_autoptr(GPtrArray) offers = NULL;
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  guint n_names = 0;

  if (!can_notify (self))
    return;
  offers = dup_unverified_pending (self);
  if (offers->len == 0)
    {
      withdraw (self, UNVERIFIED_NOTIFICATION_ID);
      self->unverified_grouped = FALSE;
      return;
    }
  if (offers->len == 1 && !self->unverified_grouped)
    {
      Offer *offer = g_ptr_array_index (offers, 0);
      g_autofree char *single = dup_offer_title (offer);

      send_offer_notification (offer, single);
      return;
    }

  for (guint i = 0; i < offers->len; i++)
    {
      Offer *offer = g_ptr_array_index (offers, i);
      g_autofree char *notification_id = g_strconcat ("offer-", offer->short_id, NULL);

      withdraw (self, notification_id);
      if (g_hash_table_add (seen, offer->peer_name) && n_names++ < 3)
        g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", offer->peer_name);
    }
  if (n_names > 3)
    g_string_append (names, ", …");

  self->unverified_grouped = TRUE;
  /* Translators: %u is a number of offers of files. */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "%u offer of files from a computer that is not verified",
                                        "%u offers of files from computers that are not verified",
                                        offers->len),
                           offers->len);
  /* Translators: %s is a list of names ("Bruno Costa, Mallory"). */
  body = g_strdup_printf (_("They call themselves %s; none is one of your trusted colleagues, "
                            "and anyone can use any name. Open Hallway to look at them."),
                          names->str);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_add_button (notification, _("Decline All"), "app.decline-unverified-offers");
  g_notification_set_default_action_and_target (notification, "app.show-offer", "s", "");
  g_application_send_notification (self->app, UNVERIFIED_NOTIFICATION_ID, notification);
}

void
_drops_withdraw_notification (Offer *offer)
{
  g_autofree char *notification_id = g_strconcat ("offer-", offer->short_id, NULL);

  withdraw (offer->self, notification_id);
  if (!offer->trusted && offer->notified)
    notify_unverified (offer->self);
}

static void
notify_offer (Offer *offer)
{
  g_autofree char *title = NULL;

  if (!can_notify (offer->self) || offer->state != STATE_PENDING)
    return;

  if (!offer->trusted)
    {
      offer->notified = TRUE;
      notify_unverified (offer->self);
      return;
    }
  title = dup_offer_title (offer);
  send_offer_notification (offer, title);
}

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

  if (reply == NULL || names_contain (reply, APP_ID))
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

void
_drops_maybe_notify (Offer *offer)
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
  folder = _drops_dup_receive_folder (self);
  if (!_drops_offer_accept (offer, indexes, folder, &error))
    g_warning ("Could not accept offer %s: %s", offer->short_id, error->message);
}

static void
decline_action_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  Offer *offer = lookup_short (user_data, parameter);

  if (offer != NULL && offer->state == STATE_PENDING)
    _drops_offer_end (offer, STATE_DECLINED, NULL);
}

static void
decline_unverified_action_cb (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  HallwayDaemonDrops *self = user_data;
  g_autoptr(GPtrArray) offers = dup_unverified_pending (self);

  for (guint i = 0; i < offers->len; i++)
    _drops_offer_end (g_ptr_array_index (offers, i), STATE_DECLINED, NULL);
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
  g_dbus_connection_call (connection, APP_ID, GUI_OBJECT_PATH,
                          "org.freedesktop.Application", "Activate",
                          g_variant_new ("(a{sv})", NULL), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, NULL, NULL);
}

static const GActionEntry actions[] = {
  { "accept-offer", accept_action_cb, "s", NULL, NULL, { 0 } },
  { "decline-offer", decline_action_cb, "s", NULL, NULL, { 0 } },
  { "show-offer", show_action_cb, "s", NULL, NULL, { 0 } },
  { "decline-unverified-offers", decline_unverified_action_cb, NULL, NULL, NULL, { 0 } },
};

/* The notifications' buttons, as actions of hallwayd's GApplication. */
void
_drops_notify_init (HallwayDaemonDrops *self)
{
  if (self->app != NULL)
    g_action_map_add_action_entries (G_ACTION_MAP (self->app), actions, G_N_ELEMENTS (actions),
                                     self);
}

void
_drops_notify_clear (HallwayDaemonDrops *self)
{
  if (self->app == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    g_action_map_remove_action (G_ACTION_MAP (self->app), actions[i].name);
  self->app = NULL;
}
