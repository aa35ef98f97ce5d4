/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-window.h"

#include <glib/gi18n.h>

#include "hallway-doctor-page.h"
#include "hallway-folder-view.h"
#include "hallway-my-shares-page.h"
#include "hallway-offer-dialog.h"
#include "hallway-peer-list.h"
#include "hallway-peer-page.h"
#include "hallway-peer-row.h"
#include "hallway-preferences-window.h"
#include "hallway-send.h"
#include "hallway-settings.h"
#include "hallway-transfers-page.h"

struct _HallwayWindow
{
  AdwApplicationWindow  parent_instance;

  GDBusConnection      *connection;  /* (owned) (nullable) until the bus is there */
  GDBusObjectManager   *manager;     /* (owned) (nullable) */
  HallwayDBusDaemon1   *daemon;      /* (owned) (nullable) */
  GCancellable         *cancellable; /* (owned) cancelled in dispose */
  HallwayPeerList      *peers;       /* (owned) of HallwayDBusPeer1 */
  GtkFilterListModel   *filtered;    /* (owned) */
  GtkSingleSelection   *selection;   /* (owned) of the filtered neighbours */
  GtkCustomFilter      *filter;      /* (owned) */
  char                 *search;      /* (owned) casefolded, "" for none */
  char                 *last_toast;  /* (owned) (nullable) */
  AdwToast             *toast;       /* (unowned) (nullable) the last one, until dismissed */
  char                 *download_dir; /* (owned) (nullable) NULL for the user's Downloads */
  GQueue                offers;      /* (element-type HallwayDBusOffer1) (owned) to ask */
  GtkWidget            *offer_dialog; /* (unowned) (nullable) the one asking now */
  gboolean              starting;    /* a StartServiceByName is under way */
  gboolean              tried_start;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  AdwWindowTitle       *content_title;
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkListBox           *this_computer_list;
  GtkListBoxRow        *this_computer_row;
  GtkListBoxRow        *transfers_row;
  GtkListBoxRow        *doctor_row;
  GtkListView          *peer_list;
  GtkWidget            *peer_scroller;
  GtkWidget            *no_peers_label;
  GtkStack             *stack;
  AdwStatusPage        *no_service_page;
  AdwStatusPage        *no_avahi_page;
  GtkButton            *start_button;
  HallwayMySharesPage  *my_shares_page;
  HallwayPeerPage      *peer_page;
  HallwayTransfersPage *transfers_page;
  HallwayDoctorPage    *doctor_page;
};

G_DEFINE_FINAL_TYPE (HallwayWindow, hallway_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_DOWNLOAD_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
daemon_is_running (HallwayWindow *self)
{
  g_autofree char *owner = NULL;

  if (self->manager == NULL)
    return FALSE;
  owner =
    g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
  return owner != NULL;
}

static void
update_state (HallwayWindow *self)
{
  const char *page;
  const char *title = NULL;
  guint n_peers;

  /* Selections change while the window is being torn down. */
  if (self->peers == NULL || self->stack == NULL)
    return;
  n_peers = g_list_model_get_n_items (G_LIST_MODEL (self->peers));

  gtk_widget_set_visible (self->no_peers_label, n_peers == 0 && daemon_is_running (self));
  gtk_widget_set_visible (self->peer_scroller, n_peers > 0);

  if (self->manager == NULL || self->starting)
    page = "connecting";
  else if (!daemon_is_running (self))
    page = "no-service";
  else if (gtk_list_box_get_selected_row (self->this_computer_list) == self->transfers_row)
    {
      page = "transfers";
      title = _("Transfers");
    }
  else if (gtk_list_box_get_selected_row (self->this_computer_list) == self->doctor_row)
    {
      page = "doctor";
      title = _("Can't find someone?");
    }
  else if (gtk_list_box_get_selected_row (self->this_computer_list) != NULL)
    {
      page = "mine";
      title = _("This computer");
    }
  else if (gtk_single_selection_get_selected_item (self->selection) != NULL)
    {
      HallwayDBusPeer1 *peer = hallway_peer_page_get_peer (self->peer_page);

      page = "peer";
      title = peer != NULL ? hallway_dbus_peer1_get_name (peer) : NULL;
    }
  else
    {
      const char *avahi = self->daemon != NULL
                          ? hallway_dbus_daemon1_get_avahi_state (self->daemon) : NULL;

      if (g_strcmp0 (avahi, "not-running") == 0 || g_strcmp0 (avahi, "failed") == 0)
        {
          const char *message = hallway_dbus_daemon1_get_avahi_message (self->daemon);
          g_autofree char *description = NULL;

          description = g_strdup_printf ("%s%s%s",
                                         message != NULL && *message != '\0' ? message : "",
                                         message != NULL && *message != '\0' ? "\n\n" : "",
                                         _("Hallway finds colleagues through the network "
                                           "service Avahi. Ask whoever looks after this "
                                           "computer to turn it on. Meanwhile you can still "
                                           "share folders from “This computer”."));
          adw_status_page_set_description (self->no_avahi_page, description);
          page = "no-avahi";
        }
      else if (n_peers == 0)
        page = "looking";
      else
        page = "choose";
    }

  adw_window_title_set_title (self->content_title, title != NULL ? title : "");
  gtk_stack_set_visible_child_name (self->stack, page);
}

/* Peers */

static gboolean
filter_peer (gpointer item,
             gpointer user_data)
{
  HallwayWindow *self = HALLWAY_WINDOW (user_data);
  HallwayDBusPeer1 *peer = HALLWAY_DBUS_PEER1 (item);
  const char *fields[2];

  if (self->search == NULL || *self->search == '\0')
    return TRUE;
  fields[0] = hallway_dbus_peer1_get_name (peer);
  fields[1] = hallway_dbus_peer1_get_host (peer);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *folded = NULL;

      if (fields[i] == NULL)
        continue;
      folded = g_utf8_casefold (fields[i], -1);
      if (strstr (folded, self->search) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
peer_row_drop_cb (GtkDropTarget *target,
                  const GValue  *value,
                  double         x,
                  double         y,
                  HallwayWindow *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  HallwayDBusPeer1 *peer = hallway_peer_row_get_peer (HALLWAY_PEER_ROW (row));

  if (peer == NULL)
    return FALSE;
  return hallway_send_drop (self->daemon, peer, value, row);
}

/* Rows are made once and given another neighbour as the list changes: the
 * drop target asks its row whom it shows at the time of the drop. */
static void
peer_row_setup_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   HallwayWindow            *self)
{
  GtkDropTarget *target = hallway_send_drop_target_new ();

  /* Dropping files on a neighbour offers them to that colleague. */
  g_signal_connect_object (target, "drop", G_CALLBACK (peer_row_drop_cb), self, 0);
  gtk_widget_add_controller (gtk_list_item_get_child (item), GTK_EVENT_CONTROLLER (target));
}

/* Incoming offers: one dialog at a time, in the order they came. */

static void show_next_offer (HallwayWindow *self);

static char *
dup_receive_folder (void)
{
  g_autoptr(GSettings) settings = hallway_dup_settings ();

  return hallway_dup_receive_folder (settings);
}

/* Any answer, or closing the dialog, lets the next offer be asked. */
static void
offer_dialog_done_cb (HallwayWindow *self,
                      const char    *response,
                      GtkWidget     *dialog)
{
  self->offer_dialog = NULL;
  show_next_offer (self);
}

static void
show_next_offer (HallwayWindow *self)
{
  while (self->offer_dialog == NULL && !g_queue_is_empty (&self->offers))
    {
      g_autoptr(HallwayDBusOffer1) offer = g_queue_pop_head (&self->offers);
      g_autofree char *folder = NULL;

      /* Answered elsewhere, or expired, while it waited its turn. */
      if (g_strcmp0 (hallway_dbus_offer1_get_state (offer), "pending") != 0)
        continue;
      folder = dup_receive_folder ();
      self->offer_dialog = hallway_offer_dialog_new (GTK_WINDOW (self), offer, folder);
      g_signal_connect_object (self->offer_dialog, "response",
                               G_CALLBACK (offer_dialog_done_cb), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      gtk_window_present (GTK_WINDOW (self->offer_dialog));
    }
}

static void
add_offer (HallwayWindow     *self,
           HallwayDBusOffer1 *offer)
{
  if (g_strcmp0 (hallway_dbus_offer1_get_state (offer), "pending") != 0 ||
      g_queue_find (&self->offers, offer) != NULL)
    return;
  g_queue_push_tail (&self->offers, g_object_ref (offer));
  show_next_offer (self);
}

static void
peer_names_changed_cb (HallwayWindow *self)
{
  /* A new name may stop or start matching the search. */
  if (self->search != NULL && *self->search != '\0')
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
peers_changed_cb (HallwayWindow *self)
{
  update_state (self);
}

static void
object_added_cb (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 HallwayWindow      *self)
{
  g_autoptr(HallwayDBusPeer1) peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));
  g_autoptr(HallwayDBusTransfer1) transfer =
    hallway_dbus_object_get_transfer1 (HALLWAY_DBUS_OBJECT (object));
  g_autoptr(HallwayDBusOffer1) offer =
    hallway_dbus_object_get_offer1 (HALLWAY_DBUS_OBJECT (object));

  if (transfer != NULL)
    hallway_transfers_page_add_transfer (self->transfers_page, transfer);
  if (offer != NULL)
    add_offer (self, offer);
  /* Neighbours are listed by HallwayPeerList, a few per frame. */
}

static void
object_removed_cb (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   HallwayWindow      *self)
{
  g_autoptr(HallwayDBusPeer1) peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));
  g_autoptr(HallwayDBusTransfer1) transfer =
    hallway_dbus_object_get_transfer1 (HALLWAY_DBUS_OBJECT (object));

  if (transfer != NULL)
    hallway_transfers_page_remove_transfer (self->transfers_page, transfer);
  if (peer != NULL && hallway_peer_page_get_peer (self->peer_page) == peer)
    hallway_peer_page_set_peer (self->peer_page, NULL);
}

static void
load_objects (HallwayWindow *self)
{
  GList *objects = g_dbus_object_manager_get_objects (self->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    object_added_cb (self->manager, l->data, self);
  g_list_free_full (objects, g_object_unref);
}

/* Starting the daemon */

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  HallwayWindow *self;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HALLWAY_WINDOW (user_data);
  self->starting = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), TRUE);
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      /* The bus's own words are technical; they go to the log and a tooltip. */
      g_debug ("Could not start %s: %s", HALLWAY_DAEMON_BUS_NAME, error->message);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->no_service_page), error->message);
      adw_status_page_set_description (self->no_service_page,
                                       _("It finds your colleagues and shares your folders, "
                                         "even when this window is closed. It could not be "
                                         "started: Hallway may not be installed completely. "
                                         "Ask whoever looks after this computer."));
    }
  update_state (self);
}

static void
start_daemon (HallwayWindow *self)
{
  if (self->connection == NULL || self->starting)
    return;
  self->starting = TRUE;
  self->tried_start = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), FALSE);
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", HALLWAY_DAEMON_BUS_NAME, 0),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 30000, self->cancellable,
                          start_done_cb, self);
  update_state (self);
}

static void
start_clicked_cb (HallwayWindow *self)
{
  start_daemon (self);
}

static void
name_owner_changed_cb (GObject       *object,
                       GParamSpec    *pspec,
                       HallwayWindow *self)
{
  update_state (self);
}

static void
daemon_changed_cb (GObject       *object,
                   GParamSpec    *pspec,
                   HallwayWindow *self)
{
  update_state (self);
}

static void
daemon_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HallwayWindow *self;
  g_autoptr(HallwayDBusDaemon1) daemon = NULL;
  g_autoptr(GError) error = NULL;

  daemon = hallway_dbus_daemon1_proxy_new_finish (result, &error);
  if (daemon == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not reach Hallway's service: %s; showing it as not running",
                   error->message);
      return;
    }

  self = HALLWAY_WINDOW (user_data);
  self->daemon = g_steal_pointer (&daemon);
  g_signal_connect_object (self->daemon, "notify", G_CALLBACK (daemon_changed_cb), self, 0);
  hallway_peer_page_set_daemon (self->peer_page, self->daemon);
  hallway_doctor_page_set_daemon (self->doctor_page, self->daemon);
  if (self->manager != NULL)
    hallway_my_shares_page_set_daemon (self->my_shares_page, self->daemon, self->manager);
  update_state (self);
}

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HallwayWindow *self;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GError) error = NULL;

  manager = hallway_dbus_object_manager_client_new_finish (result, &error);
  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not reach Hallway's service: %s; showing it as not running",
                   error->message);
      return;
    }

  self = HALLWAY_WINDOW (user_data);
  self->manager = g_steal_pointer (&manager);
  hallway_peer_page_set_manager (self->peer_page, self->manager);
  g_signal_connect_object (self->manager, "object-added", G_CALLBACK (object_added_cb), self, 0);
  g_signal_connect_object (self->manager, "object-removed", G_CALLBACK (object_removed_cb), self,
                           0);
  g_signal_connect_object (self->manager, "notify::name-owner",
                           G_CALLBACK (name_owner_changed_cb), self, 0);
  hallway_peer_list_set_manager (self->peers, self->manager);
  load_objects (self);
  if (self->daemon != NULL)
    hallway_my_shares_page_set_daemon (self->my_shares_page, self->daemon, self->manager);

  /* The service normally starts with the session; if not, start it once. */
  if (!daemon_is_running (self) && !self->tried_start)
    start_daemon (self);
  update_state (self);
}

static void
connect_to_daemon (HallwayWindow *self)
{
  hallway_dbus_object_manager_client_new (self->connection,
                                          G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                          HALLWAY_DAEMON_BUS_NAME, HALLWAY_DAEMON_OBJECT_PATH,
                                          self->cancellable, manager_ready_cb, self);
  hallway_dbus_daemon1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                  HALLWAY_DAEMON_BUS_NAME, HALLWAY_DAEMON_OBJECT_PATH,
                                  self->cancellable, daemon_ready_cb, self);
}

static void
bus_ready_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HallwayWindow *self;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_bus_get_finish (result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("No session bus: %s; showing Hallway's service as not running", error->message);
      self = HALLWAY_WINDOW (user_data);
      self->tried_start = TRUE;
      return;
    }
  self = HALLWAY_WINDOW (user_data);
  self->connection = g_steal_pointer (&connection);
  connect_to_daemon (self);
}

/* Sidebar */

static void
this_computer_selected_cb (HallwayWindow *self,
                           GtkListBoxRow *row)
{
  if (row == NULL)
    return;
  /* Not gtk_selection_model_unselect_all(): GTK 4.8's single selection
   * does nothing with it. */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  update_state (self);
}

/* Another neighbour was chosen (or none). Only the selected item is
 * followed, not its position, which also changes when the chosen one
 * merely moves in the list (renamed, or others came and went). */
static void
peer_selected_cb (HallwayWindow *self)
{
  HallwayDBusPeer1 *peer = gtk_single_selection_get_selected_item (self->selection);

  if (peer == NULL)
    {
      update_state (self);
      return;
    }
  gtk_list_box_unselect_all (self->this_computer_list);
  hallway_peer_page_set_peer (self->peer_page, peer);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  update_state (self);
}

static void
back_clicked_cb (HallwayWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
search_changed_cb (HallwayWindow *self)
{
  g_free (self->search);
  self->search = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
search_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HallwayWindow *self = HALLWAY_WINDOW (widget);

  gtk_toggle_button_set_active (self->search_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
share_folder_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HallwayWindow *self = HALLWAY_WINDOW (widget);

  hallway_window_show_this_computer (self);
  hallway_my_shares_page_show_share_dialog (self->my_shares_page);
}

static void
download_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HallwayWindow *self = HALLWAY_WINDOW (widget);
  HallwayFolderView *view;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "peer") != 0)
    return;
  /* Does nothing unless a folder is open with something selected. */
  view = HALLWAY_FOLDER_VIEW (hallway_peer_page_get_folder_view (self->peer_page));
  hallway_folder_view_download_selection (view);
}

static void
show_transfers_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  hallway_window_show_transfers (HALLWAY_WINDOW (widget));
}

static void
doctor_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  hallway_window_show_doctor (HALLWAY_WINDOW (widget), NULL);
}

/* GObject */

static void
hallway_window_constructed (GObject *object)
{
  HallwayWindow *self = HALLWAY_WINDOW (object);

  G_OBJECT_CLASS (hallway_window_parent_class)->constructed (object);

  if (self->connection != NULL)
    connect_to_daemon (self);
  else
    g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, bus_ready_cb, self);
  update_state (self);
}

static void
hallway_window_dispose (GObject *object)
{
  HallwayWindow *self = HALLWAY_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_WINDOW);
  self->toast = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->peers);
  g_queue_clear_full (&self->offers, g_object_unref);
  g_clear_object (&self->daemon);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hallway_window_parent_class)->dispose (object);
}

static void
hallway_window_finalize (GObject *object)
{
  HallwayWindow *self = HALLWAY_WINDOW (object);

  g_free (self->search);
  g_free (self->last_toast);
  g_free (self->download_dir);

  G_OBJECT_CLASS (hallway_window_parent_class)->finalize (object);
}

static void
hallway_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HallwayWindow *self = HALLWAY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_DOWNLOAD_DIR:
      g_value_take_string (value, hallway_window_dup_download_dir (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HallwayWindow *self = HALLWAY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    case PROP_DOWNLOAD_DIR:
      hallway_window_set_download_dir (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_window_class_init (HallwayWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hallway_window_constructed;
  object_class->dispose = hallway_window_dispose;
  object_class->finalize = hallway_window_finalize;
  object_class->get_property = hallway_window_get_property;
  object_class->set_property = hallway_window_set_property;

  /**
   * HallwayWindow:connection:
   *
   * The bus where hallwayd is; %NULL for the session bus. Tests pass a private one.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * HallwayWindow:download-dir:
   *
   * The folder downloads go into; reads as the user's Downloads folder
   * when unset. Tests set a private one.
   */
  properties[PROP_DOWNLOAD_DIR] =
    g_param_spec_string ("download-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HALLWAY_TYPE_MY_SHARES_PAGE);
  g_type_ensure (HALLWAY_TYPE_PEER_PAGE);
  g_type_ensure (HALLWAY_TYPE_TRANSFERS_PAGE);
  g_type_ensure (HALLWAY_TYPE_DOCTOR_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hallwaylan/Hallway/hallway-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, content);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, this_computer_list);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, this_computer_row);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, transfers_row);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, doctor_row);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, peer_list);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, peer_scroller);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, no_peers_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, no_service_page);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, no_avahi_page);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, my_shares_page);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, peer_page);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, transfers_page);
  gtk_widget_class_bind_template_child (widget_class, HallwayWindow, doctor_page);
  gtk_widget_class_bind_template_callback (widget_class, this_computer_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action_cb);
  gtk_widget_class_install_action (widget_class, "win.share-folder", NULL, share_folder_action_cb);
  gtk_widget_class_install_action (widget_class, "win.download", NULL, download_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-transfers", NULL,
                                   show_transfers_action_cb);
  gtk_widget_class_install_action (widget_class, "win.doctor", NULL, doctor_action_cb);
  /* Also without an application (tests); the app sets the same accelerator. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.download",
                                       NULL);
}

static void
hallway_window_init (HallwayWindow *self)
{
  GtkCssProvider *provider;
  g_autoptr(GtkListItemFactory) factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/hallwaylan/Hallway/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);

  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->offers);
  self->search = g_strdup ("");
  self->peers = hallway_peer_list_new (GTK_WIDGET (self));
  g_signal_connect_object (self->peers, "names-changed", G_CALLBACK (peer_names_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->peers, "items-changed", G_CALLBACK (peers_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->filter = gtk_custom_filter_new (filter_peer, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->peers)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (peer_selected_cb), self, G_CONNECT_SWAPPED);
  factory = hallway_peer_row_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (peer_row_setup_cb), self,
                           G_CONNECT_AFTER);
  gtk_list_view_set_factory (self->peer_list, factory);
  gtk_list_view_set_model (self->peer_list, GTK_SELECTION_MODEL (self->selection));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
}

/**
 * hallway_window_new:
 * @connection: (nullable): where hallwayd is; %NULL for the session bus
 */
HallwayWindow *
hallway_window_new (AdwApplication  *application,
                    GDBusConnection *connection)
{
  return g_object_new (HALLWAY_TYPE_WINDOW,
                       "application", application,
                       "connection", connection,
                       NULL);
}

/**
 * hallway_window_get_peers:
 *
 * Returns: (transfer none): all the neighbours, unfiltered
 */
GListModel *
hallway_window_get_peers (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->peers);
}

GtkListView *
hallway_window_get_peer_list (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return self->peer_list;
}

const char *
hallway_window_get_visible_page (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * hallway_window_get_page:
 *
 * Returns: (transfer none) (nullable): the content page called @name
 */
GtkWidget *
hallway_window_get_page (HallwayWindow *self,
                         const char    *name)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return gtk_stack_get_child_by_name (self->stack, name);
}

/* TRUE once the window knows whether the daemon runs, and has its objects. */
gboolean
hallway_window_get_ready (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), FALSE);
  if (self->manager == NULL || self->starting)
    return FALSE;
  return !daemon_is_running (self) || self->daemon != NULL;
}

void
hallway_window_show_transfers (HallwayWindow *self)
{
  g_return_if_fail (HALLWAY_IS_WINDOW (self));
  gtk_list_box_select_row (self->this_computer_list, self->transfers_row);
}

/**
 * hallway_window_show_doctor:
 * @self: a #HallwayWindow
 * @target: (nullable): a colleague's name or an address to check at once,
 *   or %NULL to only show the page
 *
 * Shows "Can't find someone?".
 */
void
hallway_window_show_doctor (HallwayWindow *self,
                            const char    *target)
{
  g_return_if_fail (HALLWAY_IS_WINDOW (self));
  gtk_list_box_select_row (self->this_computer_list, self->doctor_row);
  if (target != NULL)
    hallway_doctor_page_check (self->doctor_page, target);
}

/**
 * hallway_window_get_daemon:
 *
 * Returns: (transfer none) (nullable): hallwayd, once reached
 */
HallwayDBusDaemon1 *
hallway_window_get_daemon (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return daemon_is_running (self) ? self->daemon : NULL;
}

GtkWidget *
hallway_window_get_transfers_page (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->transfers_page);
}

/**
 * hallway_window_dup_download_dir:
 *
 * Returns: (transfer full): where downloads go: #HallwayWindow:download-dir,
 *   else the user's Downloads folder, else ~/Downloads
 */
char *
hallway_window_dup_download_dir (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);

  if (self->download_dir != NULL)
    return g_strdup (self->download_dir);
  return hallway_dup_downloads_folder ();
}

void
hallway_window_set_download_dir (HallwayWindow *self,
                                 const char    *dir)
{
  g_return_if_fail (HALLWAY_IS_WINDOW (self));

  if (g_strcmp0 (self->download_dir, dir) == 0)
    return;
  g_free (self->download_dir);
  self->download_dir = g_strdup (dir);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_DIR]);
}

void
hallway_window_show_this_computer (HallwayWindow *self)
{
  g_return_if_fail (HALLWAY_IS_WINDOW (self));
  gtk_list_box_select_row (self->this_computer_list, self->this_computer_row);
}

gboolean
hallway_window_show_peer (HallwayWindow *self,
                          const char    *name)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), FALSE);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->selection)); i++)
    {
      g_autoptr(HallwayDBusPeer1) peer = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (g_strcmp0 (hallway_dbus_peer1_get_name (peer), name) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

void
hallway_window_set_search (HallwayWindow *self,
                           const char    *text)
{
  g_return_if_fail (HALLWAY_IS_WINDOW (self));
  gtk_toggle_button_set_active (self->search_button, *text != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  /* search-changed is delayed; apply now so callers see the result. */
  search_changed_cb (self);
}

const char *
hallway_window_get_last_toast (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), NULL);
  return self->last_toast;
}

/**
 * hallway_window_toast:
 * @widget: any widget in a Hallway window, or in a dialog on top of one
 *
 * Shows @message as a toast in that window.
 */
void
hallway_window_toast (GtkWidget  *widget,
                      const char *message)
{
  hallway_window_toast_with_button (widget, message, NULL, NULL);
}

static void
toast_dismissed_cb (AdwToast      *toast,
                    HallwayWindow *self)
{
  if (self->toast == toast)
    self->toast = NULL;
}

/**
 * hallway_window_toast_with_button:
 * @widget: any widget in a Hallway window, or in a dialog on top of one
 * @button_label: (nullable): a label for a button on the toast
 * @action_name: (nullable): what the button does, such as "win.show-transfers"
 *
 * Shows @message as a toast in that window, with a button.
 */
void
hallway_window_toast_with_button (GtkWidget  *widget,
                                  const char *message,
                                  const char *button_label,
                                  const char *action_name)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  HallwayWindow *self = NULL;
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  if (HALLWAY_IS_WINDOW (root))
    self = HALLWAY_WINDOW (root);
  else if (GTK_IS_WINDOW (root) &&
           HALLWAY_IS_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (root))))
    self = HALLWAY_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (root)));

  if (self == NULL)
    {
      g_message ("%s", message);
      return;
    }
  g_free (self->last_toast);
  self->last_toast = g_strdup (message);

  /* Toast titles are markup. */
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  if (button_label != NULL && action_name != NULL)
    {
      adw_toast_set_button_label (toast, button_label);
      adw_toast_set_action_name (toast, action_name);
    }
  self->toast = toast;
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Whether the last toast still shows (it goes after a few seconds). */
gboolean
hallway_window_get_toast_shown (HallwayWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_WINDOW (self), FALSE);
  return self->toast != NULL;
}
