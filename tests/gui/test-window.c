/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The window against a real hallwayd. Run through run-headless.sh, and for
 * the neighbour tests through with-daemons.sh, which sets HALLWAY_TEST_*.
 * Without HALLWAY_TEST_PEER there is no daemon on the bus: the window must
 * say so. Each main view is saved as a PNG in $HALLWAY_ARTIFACTS.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "hallway-test-gtk.h"

#include "hallway-doctor-page.h"
#include "hallway-folder-view.h"
#include "hallway-my-shares-page.h"
#include "hallway-peer-page.h"
#include "hallway-peer-row.h"
#include "hallway-transfer-row.h"
#include "hallway-transfers-page.h"
#include "hallway-window.h"

static HallwayWindow *window;
static GDBusConnection *bus;

static gboolean
window_ready (gpointer data)
{
  return hallway_window_get_ready (window);
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (hallway_window_get_visible_page (window), data) == 0;
}

static void
run_for (int milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static gboolean
no_toast (gpointer data)
{
  return !hallway_window_get_toast_shown (window);
}

/* Toasts go by themselves after a few seconds; screenshots are clearer without. */
static void
wait_for_toast_to_go (void)
{
  g_assert_true (hallway_test_wait_until (no_toast, NULL, 20));
  run_for (500);   /* it fades out */
}

static void
screenshot (const char *name)
{
  hallway_test_gtk_save_png (GTK_WIDGET (window), name);
}

static const char *
status_title (const char *page)
{
  GtkWidget *child = hallway_window_get_page (window, page);

  g_assert_true (ADW_IS_STATUS_PAGE (child));
  return adw_status_page_get_title (ADW_STATUS_PAGE (child));
}

/* Finds a row of a GtkListBox of AdwActionRows by title. */
static GtkWidget *
find_action_row (GtkListBox *list,
                 const char *title)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (ADW_IS_PREFERENCES_ROW (row) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
        return row;
    }
  return NULL;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && gtk_widget_get_child_visible (row))
      n++;
  return n;
}

/* No daemon */

static void
test_no_daemon (void)
{
  g_test_summary (
    "With no hallwayd on the bus and none to start, the window says so in plain words");

  g_assert_true (hallway_test_wait_until (window_ready, NULL, 20));
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "no-service");
  g_assert_cmpstr (status_title ("no-service"), ==, "Hallway's service is not running");
  g_assert_cmpuint (g_list_model_get_n_items (hallway_window_get_peers (window)), ==, 0);
  screenshot ("no-service");
}

static gboolean
page_is_not (gpointer data)
{
  return g_strcmp0 (hallway_window_get_visible_page (window), data) != 0 &&
         hallway_window_get_ready (window);
}

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_daemon_appears (void)
{
  const char *build = g_getenv ("HALLWAY_BUILD_DIR");
  g_autofree char *hallwayd = NULL;
  g_autofree char *port = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("When hallwayd starts later, the window notices and shows its state");

  if (build == NULL)
    {
      g_test_skip ("HALLWAY_BUILD_DIR is not set");
      return;
    }
  hallwayd = g_build_filename (build, "daemon", "hallwayd", NULL);
  if (!g_file_test (hallwayd, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("hallwayd is not built");
      return;
    }

  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "no-service");
  port = g_strdup_printf ("%u", free_port ());
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "HALLWAY_PORT", port, TRUE);
  g_subprocess_launcher_setenv (launcher, "HALLWAY_NAME", "Carla Diaz", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  daemon = g_subprocess_launcher_spawn (launcher, &error, hallwayd, NULL);
  g_assert_no_error (error);

  g_assert_true (hallway_test_wait_until (page_is_not, (gpointer) "no-service", 20));
  g_assert_true (hallway_test_wait_until (page_is, (gpointer) "no-avahi", 10));
  hallway_window_show_this_computer (window);
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "mine");

  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, NULL);
  hallway_window_show_this_computer (window);
  g_assert_true (hallway_test_wait_until (page_is, (gpointer) "no-service", 10));
}

/* With daemons */

static void
test_avahi_state (void)
{
  const char *description;

  g_test_summary (
    "Without Avahi the window says that it can't look for neighbours, and what to do");

  g_assert_true (hallway_test_wait_until (window_ready, NULL, 20));
  g_assert_true (hallway_test_wait_until (page_is, (gpointer) "no-avahi", 10));
  g_assert_cmpstr (status_title ("no-avahi"), ==, "Hallway can't look for neighbours");
  description = adw_status_page_get_description (
    ADW_STATUS_PAGE (hallway_window_get_page (window, "no-avahi")));
  g_assert_nonnull (strstr (description, "Ask whoever looks after this computer"));
  g_assert_cmpuint (g_list_model_get_n_items (hallway_window_get_peers (window)), ==, 0);
  screenshot ("no-avahi");
}

static gboolean
has_peers (gpointer data)
{
  return g_list_model_get_n_items (hallway_window_get_peers (window)) == GPOINTER_TO_UINT (data);
}

static gboolean
peer_named (gpointer data)
{
  g_autoptr(HallwayDBusPeer1) peer = g_list_model_get_item (hallway_window_get_peers (window), 0);

  return peer != NULL && g_strcmp0 (hallway_dbus_peer1_get_name (peer), data) == 0 &&
         hallway_dbus_peer1_get_online (peer);
}

static void
test_neighbour_arrives (void)
{
  const char *name = g_getenv ("HALLWAY_TEST_PEER");
  g_autoptr(HallwayDBusDaemon1) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GtkListView *list = hallway_window_get_peer_list (window);
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (list));
  GtkWidget *row;

  g_test_summary ("A neighbour added on the daemon appears in the list, named, with its state");

  daemon = hallway_dbus_daemon1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE,
                                                HALLWAY_DAEMON_BUS_NAME, HALLWAY_DAEMON_OBJECT_PATH,
                                                NULL, &error);
  g_assert_no_error (error);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (daemon), 30000);
  hallway_dbus_daemon1_call_add_peer_sync (daemon, g_getenv ("HALLWAY_TEST_PEER_ADDRESS"),
                                           &path, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (hallway_test_wait_until (has_peers, GUINT_TO_POINTER (1), 20));
  g_assert_true (hallway_test_wait_until (peer_named, (gpointer) name, 20));
  hallway_test_gtk_settle ();

  gtk_test_accessible_assert_property (list, GTK_ACCESSIBLE_PROPERTY_LABEL, "Neighbours");
  row = hallway_test_gtk_find_widget (GTK_WIDGET (list), HALLWAY_TYPE_PEER_ROW);
  g_assert_nonnull (row);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, name);
  /* What assistive technologies list is the item around the row. */
  gtk_test_accessible_assert_role (gtk_widget_get_parent (row), GTK_ACCESSIBLE_ROLE_LIST_ITEM);
  gtk_test_accessible_assert_property (gtk_widget_get_parent (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       name);
  /* Nothing chosen yet and still no Avahi: the content says so. */
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "no-avahi");

  /* The search filter, also on Ctrl+F (win.search). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  hallway_window_set_search (window, "nobody by that name");
  hallway_test_gtk_settle ();
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  hallway_window_set_search (window, "BRUNO");
  hallway_test_gtk_settle ();
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  screenshot ("search");
  hallway_window_set_search (window, "");
  hallway_test_gtk_settle ();
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
}

static gboolean
share_listed (gpointer data)
{
  HallwayMySharesPage *page = HALLWAY_MY_SHARES_PAGE (hallway_window_get_page (window, "mine"));

  return find_action_row (hallway_my_shares_page_get_list (page), data) != NULL;
}

static gboolean
toasted (gpointer data)
{
  return hallway_window_get_last_toast (window) != NULL;
}

static gboolean
share_gone (gpointer data)
{
  return !share_listed (data);
}

/* Whether the "Music" row says @data. */
static gboolean
share_subtitle_is (gpointer data)
{
  HallwayMySharesPage *page = HALLWAY_MY_SHARES_PAGE (hallway_window_get_page (window, "mine"));
  GtkWidget *row = find_action_row (hallway_my_shares_page_get_list (page), "Music");

  return row != NULL && g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), data) == 0;
}

static void
test_my_shares (void)
{
  HallwayMySharesPage *page = HALLWAY_MY_SHARES_PAGE (hallway_window_get_page (window, "mine"));
  g_autofree char *music = g_build_filename (g_getenv ("HALLWAY_TEST_SHARE_DIR"), "Music", NULL);
  GtkWidget *row, *button = NULL;
  GtkWidget *dialog;

  g_test_summary ("This computer lists my shares; sharing and unsharing go through the daemon");

  hallway_window_show_this_computer (window);
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "mine");
  g_assert_true (hallway_test_wait_until (share_listed,
                                          (gpointer) g_getenv ("HALLWAY_TEST_MY_SHARE"), 10));
  screenshot ("my-shares");

  /* The dialog opens, with the share button off until a folder is chosen. */
  dialog = hallway_my_shares_page_show_share_dialog (page);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "share"));
  hallway_test_gtk_settle ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_assert_cmpint (g_mkdir_with_parents (music, 0700), ==, 0);
  hallway_my_shares_page_add_share (page, music, "Music", "read-write", "everyone", NULL);
  g_assert_true (hallway_test_wait_until (share_listed, (gpointer) "Music", 10));
  row = find_action_row (hallway_my_shares_page_get_list (page), "Music");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Everyone can open and change files");

  /* Its switch turns sharing off in the daemon, keeping it listed. */
  {
    GtkWidget *toggle = hallway_test_gtk_find_widget (row, GTK_TYPE_SWITCH);

    g_assert_nonnull (toggle);
    gtk_test_accessible_assert_property (toggle, GTK_ACCESSIBLE_PROPERTY_LABEL, "Share Music");
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (toggle)));
    gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
    g_assert_true (hallway_test_wait_until (share_subtitle_is,
                                            (gpointer) "Switched off: colleagues don't see it",
                                            10));
    screenshot ("my-shares-off");
    row = find_action_row (hallway_my_shares_page_get_list (page), "Music");
    toggle = hallway_test_gtk_find_widget (row, GTK_TYPE_SWITCH);
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
    gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
    g_assert_true (hallway_test_wait_until (share_subtitle_is,
                                            (gpointer) "Everyone can open and change files", 10));
    row = find_action_row (hallway_my_shares_page_get_list (page), "Music");
  }


  /* The remove button, found by its accessible label's tooltip twin. */
  for (GtkWidget *w = row; w != NULL; )
    {
      if (GTK_IS_BUTTON (w) &&
          g_strcmp0 (gtk_widget_get_tooltip_text (w), "Stop sharing Music") == 0)
        {
          button = w;
          break;
        }
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != row && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == row ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  g_assert_nonnull (button);
  gtk_test_accessible_assert_property (button, GTK_ACCESSIBLE_PROPERTY_LABEL, "Stop sharing Music");
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (hallway_test_wait_until (share_gone, (gpointer) "Music", 10));
}

static gboolean
peer_page_has_folder (gpointer data)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));

  return find_action_row (hallway_peer_page_get_folders (page), data) != NULL;
}

static void
test_peer_page (void)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));
  GtkWidget *dialog;

  g_test_summary ("A neighbour's page shows their shared folders and offers to trust them");

  g_assert_true (hallway_window_show_peer (window, g_getenv ("HALLWAY_TEST_PEER")));
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "peer");
  g_assert_true (hallway_test_wait_until (peer_page_has_folder,
                                          (gpointer) g_getenv ("HALLWAY_TEST_PEER_SHARE"), 20));
  screenshot ("neighbour");

  dialog = hallway_peer_page_show_trust_dialog (page);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)),
                            g_getenv ("HALLWAY_TEST_PEER")));
  hallway_test_gtk_save_png (dialog, "trust");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
doctor_done (gpointer data)
{
  HallwayDoctorPage *page = HALLWAY_DOCTOR_PAGE (hallway_window_get_page (window, "doctor"));

  return !hallway_doctor_page_get_running (page) &&
         count_rows (hallway_doctor_page_get_results (page)) > 0;
}

/* The row of the finding whose message starts with @prefix, if any. */
static GtkWidget *
find_finding (const char *prefix,
              const char *verdict)
{
  HallwayDoctorPage *page = HALLWAY_DOCTOR_PAGE (hallway_window_get_page (window, "doctor"));
  GtkWidget *results = GTK_WIDGET (hallway_doctor_page_get_results (page));

  for (GtkWidget *row = gtk_widget_get_first_child (results);
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), prefix) &&
        g_strcmp0 (g_object_get_data (G_OBJECT (row), "hallway-verdict"), verdict) == 0)
      return row;
  return NULL;
}

static void
test_doctor (void)
{
  g_autofree char *answer = g_strdup_printf ("Hallway answers at 127.0.0.1 as “%s”",
                                             g_getenv ("HALLWAY_TEST_PEER"));
  GtkWidget *row;

  g_test_summary ("“Can't find someone?” runs hallwayd's checks and shows what to do");

  hallway_window_show_doctor (window, g_getenv ("HALLWAY_TEST_PEER"));
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "doctor");
  g_assert_true (hallway_test_wait_until (doctor_done, NULL, 30));

  /* There is no Avahi here: a problem, with how to start it. */
  row = find_finding ("avahi-daemon is not running", "problem");
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "systemctl"));
  /* The neighbour added by address answers. */
  g_assert_nonnull (find_finding (answer, "ok"));
  screenshot ("doctor");
}

static gboolean
folder_listed (gpointer data)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));
  HallwayFolderView *view = HALLWAY_FOLDER_VIEW (hallway_peer_page_get_folder_view (page));

  return !hallway_folder_view_get_loading (view) &&
         g_list_model_get_n_items (hallway_folder_view_get_model (view)) == GPOINTER_TO_UINT (data);
}

static void
test_folder_view (void)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));
  HallwayFolderView *view = HALLWAY_FOLDER_VIEW (hallway_peer_page_get_folder_view (page));
  GListModel *model = hallway_folder_view_get_model (view);
  g_autoptr(HallwayFolderItem) first = NULL;
  g_autoptr(HallwayFolderItem) second = NULL;
  g_autoptr(HallwayFolderItem) inner = NULL;

  g_test_summary ("Opening a neighbour's folder lists its files, folders first; folders open");

  hallway_peer_page_open_folder (page, g_getenv ("HALLWAY_TEST_PEER_SHARE"));
  g_assert_true (hallway_test_wait_until (folder_listed, GUINT_TO_POINTER (3), 20));
  first = g_list_model_get_item (model, 0);
  second = g_list_model_get_item (model, 1);
  g_assert_cmpstr (hallway_folder_item_get_name (first), ==, "2026");
  g_assert_true (hallway_folder_item_get_is_folder (first));
  g_assert_cmpstr (hallway_folder_item_get_name (second), ==, "budget.ods");
  g_assert_cmpint (hallway_folder_item_get_size (second), ==, 200 * 18);
  g_assert_cmpint (hallway_folder_item_get_modified (second), >, 0);
  screenshot ("folder");

  hallway_folder_view_open (view, 0);
  g_assert_cmpstr (hallway_folder_view_get_path (view), ==, "2026");
  g_assert_true (hallway_test_wait_until (folder_listed, GUINT_TO_POINTER (1), 20));
  inner = g_list_model_get_item (model, 0);
  g_assert_cmpstr (hallway_folder_item_get_name (inner), ==, "q1.txt");
  g_assert_false (hallway_folder_item_get_is_folder (inner));

  /* Back goes up a folder, then out to the neighbour's page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "folder.up", NULL));
  g_assert_cmpstr (hallway_folder_view_get_path (view), ==, "");
  g_assert_true (hallway_test_wait_until (folder_listed, GUINT_TO_POINTER (3), 20));
  g_signal_emit_by_name (view, "closed");
  g_assert_true (peer_page_has_folder ((gpointer) g_getenv ("HALLWAY_TEST_PEER_SHARE")));
}

static HallwayTransferRow *
find_transfer_row (const char *path)
{
  HallwayTransfersPage *page = HALLWAY_TRANSFERS_PAGE (hallway_window_get_transfers_page (window));

  for (GtkWidget *row =
         gtk_widget_get_first_child (GTK_WIDGET (hallway_transfers_page_get_list (page)));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      if (HALLWAY_IS_TRANSFER_ROW (row) &&
          g_strcmp0 (hallway_dbus_transfer1_get_path (
                       hallway_transfer_row_get_transfer (HALLWAY_TRANSFER_ROW (row))),
                     path) == 0)
        return HALLWAY_TRANSFER_ROW (row);
    }
  return NULL;
}

static gboolean
transfer_done (gpointer data)
{
  HallwayTransferRow *row = find_transfer_row (data);

  return row != NULL && g_strcmp0 (hallway_transfer_row_get_status_text (row), "Done") == 0;
}

static gboolean
toast_is (gpointer data)
{
  return g_strcmp0 (hallway_window_get_last_toast (window), data) == 0;
}

static void
test_download (void)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));
  HallwayFolderView *view = HALLWAY_FOLDER_VIEW (hallway_peer_page_get_folder_view (page));
  g_autofree char *downloads = g_dir_make_tmp ("hallway-downloads-XXXXXX", NULL);
  g_autofree char *source = g_build_filename (g_getenv ("HALLWAY_TEST_PEER_SHARE_DIR"),
                                              "budget.ods", NULL);
  g_autofree char *target = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *dir = NULL;
  gsize expected_len, got_len;
  HallwayTransferRow *row;
  HallwayTransfersPage *transfers =
    HALLWAY_TRANSFERS_PAGE (hallway_window_get_transfers_page (window));
  g_autoptr(GError) error = NULL;

  g_test_summary (
    "Download fetches the selected file into the receiving folder; Transfers shows it done");

  g_assert_nonnull (downloads);
  g_object_set (window, "download-dir", downloads, NULL);
  g_object_get (window, "download-dir", &dir, NULL);
  g_assert_cmpstr (dir, ==, downloads);

  /* Nothing yet: the Transfers page says so. */
  hallway_window_show_transfers (window);
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "transfers");
  g_assert_cmpuint (g_list_model_get_n_items (hallway_transfers_page_get_transfers (transfers)), ==,
                    0);

  g_assert_true (hallway_window_show_peer (window, g_getenv ("HALLWAY_TEST_PEER")));
  hallway_peer_page_open_folder (page, g_getenv ("HALLWAY_TEST_PEER_SHARE"));
  g_assert_true (hallway_test_wait_until (folder_listed, GUINT_TO_POINTER (3), 20));

  /* Nothing selected: the action does nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  hallway_test_gtk_settle ();
  g_assert_cmpuint (g_list_model_get_n_items (hallway_transfers_page_get_transfers (transfers)), ==,
                    0);

  /* budget.ods is the second row, after the folder 2026. */
  g_assert_true (
    gtk_selection_model_select_item (hallway_folder_view_get_selection (view), 1, TRUE));
  screenshot ("folder-selected");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  g_assert_true (hallway_test_wait_until (toast_is, (gpointer) "Downloading “budget.ods”…",
                                          20));

  wanted = g_strdup_printf ("%s/budget.ods", g_getenv ("HALLWAY_TEST_PEER_SHARE"));
  hallway_window_show_transfers (window);
  g_assert_cmpstr (hallway_window_get_visible_page (window), ==, "transfers");
  g_assert_true (hallway_test_wait_until (transfer_done, wanted, 30));
  row = find_transfer_row (wanted);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "budget.ods");
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  gtk_test_accessible_assert_property (hallway_transfer_row_get_cancel_button (row),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Cancel");
  g_assert_cmpstr (hallway_dbus_transfer1_get_peer_name (hallway_transfer_row_get_transfer (row)),
                   ==, g_getenv ("HALLWAY_TEST_PEER"));

  target = g_build_filename (downloads, "budget.ods", NULL);
  g_assert_true (g_file_get_contents (source, &expected, &expected_len, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (target, &got, &got_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got, got_len, expected, expected_len);
  wait_for_toast_to_go ();
  screenshot ("transfers-done");

  g_assert_cmpint (g_remove (target), ==, 0);
  g_assert_cmpint (g_rmdir (downloads), ==, 0);
}

static gboolean
transfer_cancellable (gpointer data)
{
  HallwayTransferRow *row = find_transfer_row (data);

  return row != NULL && gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row));
}

static gboolean
transfer_cancelled (gpointer data)
{
  HallwayTransferRow *row = find_transfer_row (data);

  return row != NULL && g_strcmp0 (hallway_transfer_row_get_status_text (row), "Cancelled") == 0;
}

static void
test_download_cancel (void)
{
  HallwayPeerPage *page = HALLWAY_PEER_PAGE (hallway_window_get_page (window, "peer"));
  HallwayFolderView *view = HALLWAY_FOLDER_VIEW (hallway_peer_page_get_folder_view (page));
  const char *pid_text = g_getenv ("HALLWAY_TEST_PEER_PID");
  g_autofree char *downloads = g_dir_make_tmp ("hallway-downloads-XXXXXX", NULL);
  g_autofree char *wanted = NULL;
  g_autoptr(GFile) dir = NULL;
  HallwayTransferRow *row;
  GPid pid;

  g_test_summary (
    "While Bruno's computer doesn't answer, the download shows as unfinished and Cancel stops it");

  if (pid_text == NULL)
    {
      g_test_skip ("HALLWAY_TEST_PEER_PID is not set");
      return;
    }
  pid = (GPid) g_ascii_strtoll (pid_text, NULL, 10);
  g_object_set (window, "download-dir", downloads, NULL);

  g_assert_true (hallway_window_show_peer (window, g_getenv ("HALLWAY_TEST_PEER")));
  hallway_peer_page_open_folder (page, g_getenv ("HALLWAY_TEST_PEER_SHARE"));
  g_assert_true (hallway_test_wait_until (folder_listed, GUINT_TO_POINTER (3), 20));
  /* minutes.txt, after 2026 and budget.ods. */
  g_assert_true (
    gtk_selection_model_select_item (hallway_folder_view_get_selection (view), 2, TRUE));

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wanted = g_strdup_printf ("%s/minutes.txt", g_getenv ("HALLWAY_TEST_PEER_SHARE"));
  hallway_window_show_transfers (window);
  if (!hallway_test_wait_until (transfer_cancellable, wanted, 20))
    {
      kill (pid, SIGCONT);
      g_assert_not_reached ();
    }
  row = find_transfer_row (wanted);
  g_test_message ("while Bruno is stalled: %s", hallway_transfer_row_get_status_text (row));
  wait_for_toast_to_go ();
  screenshot ("transfers");
  g_signal_emit_by_name (hallway_transfer_row_get_cancel_button (row), "clicked");
  if (!hallway_test_wait_until (transfer_cancelled, wanted, 20))
    {
      kill (pid, SIGCONT);
      g_assert_not_reached ();
    }
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  /* Whatever the daemon left behind goes with the folder. */
  dir = g_file_new_for_path (downloads);
  {
    g_autoptr(GFileEnumerator) children =
      g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                 G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
    GFileInfo *info;

    while (children != NULL &&
           (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
      {
        g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

        g_file_delete (child, NULL, NULL);
        g_object_unref (info);
      }
  }
  g_file_delete (dir, NULL, NULL);
}

static void
test_time_left (void)
{
  g_autofree char *unknown = hallway_transfer_describe_time_left (-1);
  g_autofree char *seconds = hallway_transfer_describe_time_left (30);
  g_autofree char *minutes = hallway_transfer_describe_time_left (150);
  g_autofree char *hours = hallway_transfer_describe_time_left (2 * 3600 + 60);

  g_test_summary ("Time left reads as plain words");

  g_assert_null (unknown);
  g_assert_cmpstr (seconds, ==, "about 30 seconds left");
  g_assert_cmpstr (minutes, ==, "about 3 minutes left");
  g_assert_cmpstr (hours, ==, "about 2 hours left");
}

static void
test_errors (void)
{
  HallwayMySharesPage *page = HALLWAY_MY_SHARES_PAGE (hallway_window_get_page (window, "mine"));

  g_test_summary ("Failures show as a toast in plain words, without D-Bus jargon");

  hallway_window_show_this_computer (window);
  g_assert_null (hallway_window_get_last_toast (window));
  hallway_my_shares_page_add_share (page, "/nonexistent/hallway-test", "Nope", NULL, NULL, NULL);
  g_assert_true (hallway_test_wait_until (toasted, NULL, 10));
  g_test_message ("toast: %s", hallway_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (hallway_window_get_last_toast (window),
                                   "Could not share the folder: "));
  g_assert_null (strstr (hallway_window_get_last_toast (window), "GDBus"));
  g_assert_null (strstr (hallway_window_get_last_toast (window), "io.github"));
  screenshot ("error");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_test_skip_printf ("no session bus: %s", error->message);
      return g_test_run ();
    }

  window = hallway_window_new (NULL, bus);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));

  if (g_getenv ("HALLWAY_TEST_PEER") == NULL)
    {
      g_test_add_func ("/window/no-daemon", test_no_daemon);
      g_test_add_func ("/window/daemon-appears", test_daemon_appears);
      g_test_add_func ("/window/time-left", test_time_left);
    }
  else
    {
      g_test_add_func ("/window/avahi-state", test_avahi_state);
      g_test_add_func ("/window/neighbour-arrives", test_neighbour_arrives);
      g_test_add_func ("/window/my-shares", test_my_shares);
      g_test_add_func ("/window/peer-page", test_peer_page);
      g_test_add_func ("/window/folder-view", test_folder_view);
      g_test_add_func ("/window/errors", test_errors);
      g_test_add_func ("/window/download", test_download);
      g_test_add_func ("/window/download-cancel", test_download_cancel);
      g_test_add_func ("/window/doctor", test_doctor);
    }

  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
  g_assert_null (window);
  g_object_unref (bus);
  return ret;
}
