/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Widgets on their own, fed with D-Bus skeletons instead of a daemon: a
 * skeleton implements the same HallwayDBusPeer1 interface as the proxies
 * the window gets, so property changes reach the widgets the same way.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hallway-peer-page.h"
#include "hallway-peer-row.h"
#include "hallway-transfer-row.h"
#include "hallway-transfers-page.h"

static void
settle (void)
{
  for (int i = 0; i < 20; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

/* The first GtkLabel under @widget showing exactly @text, if it is visible. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  GtkLabel *label = find_label (widget, text);

  return label != NULL && gtk_widget_is_visible (GTK_WIDGET (label));
}

static HallwayDBusPeer1 *
new_peer (void)
{
  HallwayDBusPeer1 *peer = hallway_dbus_peer1_skeleton_new ();

  hallway_dbus_peer1_set_id (peer, "0123456789abcdef");
  hallway_dbus_peer1_set_name (peer, "Dana Weber");
  hallway_dbus_peer1_set_host (peer, "dana-laptop");
  hallway_dbus_peer1_set_verification_code (peer, "AB12-CD34");
  hallway_dbus_peer1_set_online (peer, TRUE);
  hallway_dbus_peer1_set_problem (peer, "");
  hallway_dbus_peer1_set_problem_message (peer, "");
  return peer;
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderNode *node;
  GtkSnapshot *snapshot;
  int width, height;

  settle ();
  gtk_test_widget_wait_for_draw (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (g_getenv ("HALLWAY_ARTIFACTS") != NULL)
    dir = g_strdup (g_getenv ("HALLWAY_ARTIFACTS"));
  else
    dir = g_strdup ("artifacts");
  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/window-%s.png", dir, name);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
test_peer_row_state (void)
{
  g_autoptr(HallwayDBusPeer1) peer = new_peer ();
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *row = hallway_peer_row_new (peer);
  GtkWidget *window = gtk_window_new ();

  g_test_summary ("A neighbour's row shows name, computer and state, and follows changes");

  gtk_list_box_append (GTK_LIST_BOX (list), row);
  gtk_window_set_child (GTK_WINDOW (window), list);
  gtk_window_present (GTK_WINDOW (window));
  settle ();

  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Dana Weber");
  g_assert_true (shows_label (row, "Dana Weber"));
  g_assert_true (shows_label (row, "dana-laptop"));
  g_assert_true (shows_label (row, "Online"));

  hallway_dbus_peer1_set_online (peer, FALSE);
  settle ();
  g_assert_true (shows_label (row, "Away"));

  hallway_dbus_peer1_set_name (peer, "Dana W.");
  settle ();
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Dana W.");

  hallway_dbus_peer1_set_problem (peer, "identity-changed");
  settle ();
  g_assert_true (shows_label (row, "Check identity"));

  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
}

static void
test_peer_page_folders_and_problem (void)
{
  g_autoptr(HallwayDBusPeer1) peer = new_peer ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = hallway_peer_page_new ();
  GtkListBox *folders;
  GVariantBuilder builder;
  GtkWidget *row;

  g_test_summary ("A neighbour's page lists their folders and warns when their identity changed");

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  g_variant_builder_add (&builder, "(ssss)", "s1", "Photos", "read-only", "everyone");
  g_variant_builder_add (&builder, "(ssss)", "s2", "Inbox", "drop-box", "trusted");
  hallway_dbus_peer1_set_shared_folders (peer, g_variant_builder_end (&builder));

  gtk_window_set_default_size (GTK_WINDOW (window), 700, 500);
  gtk_window_set_child (GTK_WINDOW (window), page);
  hallway_peer_page_set_peer (HALLWAY_PEER_PAGE (page), peer);
  gtk_window_present (GTK_WINDOW (window));
  settle ();

  folders = hallway_peer_page_get_folders (HALLWAY_PEER_PAGE (page));
  gtk_test_accessible_assert_property (folders, GTK_ACCESSIBLE_PROPERTY_LABEL, "Shared folders");
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (folders, 0));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Photos");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "You can open files");
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (folders, 1));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Inbox");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "You can put files in it");
  g_assert_null (gtk_list_box_get_row_at_index (folders, 2));
  g_assert_true (shows_label (page, "Trust…"));
  g_assert_false (shows_label (page, "This computer is not the one you trusted"));

  hallway_dbus_peer1_set_trusted (peer, TRUE);
  settle ();
  g_assert_true (shows_label (page, "Stop Trusting"));

  hallway_dbus_peer1_set_problem (peer, "identity-changed");
  hallway_dbus_peer1_set_problem_message (peer, "Dana Weber’s computer has a different key "
                                          "than the one you trusted.");
  settle ();
  g_assert_true (shows_label (page, "This computer is not the one you trusted"));
  g_assert_true (shows_label (page, "Dana Weber’s computer has a different key than the one you trusted."));
  save_png (window, "identity-problem");

  hallway_dbus_peer1_set_shared_folders (peer, g_variant_new_array (G_VARIANT_TYPE ("(ssss)"), NULL, 0));
  hallway_dbus_peer1_set_problem (peer, "");
  settle ();
  g_assert_null (gtk_list_box_get_row_at_index (folders, 0));
  g_assert_true (shows_label (page, "No shared folders yet."));
  g_assert_false (shows_label (page, "This computer is not the one you trusted"));

  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
}

static GtkProgressBar *
find_progress_bar (GtkWidget *widget)
{
  if (GTK_IS_PROGRESS_BAR (widget))
    return GTK_PROGRESS_BAR (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkProgressBar *found = find_progress_bar (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_transfer_row_states (void)
{
  g_autoptr(HallwayDBusTransfer1) transfer = hallway_dbus_transfer1_skeleton_new ();
  HallwayTransfersPage *page = g_object_new (HALLWAY_TYPE_TRANSFERS_PAGE, NULL);
  GtkWidget *window = gtk_window_new ();
  HallwayTransferRow *row;
  GtkProgressBar *bar;

  g_test_summary ("A transfer row follows its Transfer1: progress, rate and time left, state in plain words");

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));

  hallway_dbus_transfer1_set_id (transfer, "3");
  hallway_dbus_transfer1_set_kind (transfer, "download");
  hallway_dbus_transfer1_set_peer_name (transfer, "Bruno Costa");
  hallway_dbus_transfer1_set_path (transfer, "Reports/budget.ods");
  hallway_dbus_transfer1_set_destination (transfer, "/tmp");
  hallway_dbus_transfer1_set_state (transfer, "running");
  hallway_dbus_transfer1_set_total (transfer, 4000000);
  hallway_dbus_transfer1_set_bytes (transfer, 1000000);
  hallway_dbus_transfer1_set_rate (transfer, 2100000);
  hallway_dbus_transfer1_set_eta (transfer, 30);
  hallway_transfers_page_add_transfer (page, transfer);
  settle ();

  row = HALLWAY_TRANSFER_ROW (gtk_list_box_get_row_at_index (hallway_transfers_page_get_list (page), 0));
  g_assert_nonnull (row);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "budget.ods");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "2.1\u00a0MB/s — about 30 seconds left");
  g_assert_nonnull (find_label (GTK_WIDGET (row), "From Bruno Costa"));
  bar = find_progress_bar (GTK_WIDGET (row));
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.25, 0.001);
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  gtk_test_accessible_assert_property (hallway_transfer_row_get_cancel_button (row),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Cancel");
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  /* Live: property changes update the row. */
  hallway_dbus_transfer1_set_bytes (transfer, 3000000);
  hallway_dbus_transfer1_set_eta (transfer, 150);
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.75, 0.001);
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "2.1\u00a0MB/s — about 3 minutes left");

  hallway_dbus_transfer1_set_state (transfer, "waiting");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "Waiting for Bruno Costa’s computer");
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));

  hallway_dbus_transfer1_set_error (transfer, "Bruno stopped sharing “Reports”");
  hallway_dbus_transfer1_set_state (transfer, "failed");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "Bruno stopped sharing “Reports”");
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_dbus_transfer1_set_state (transfer, "done");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "Done");
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 1.0, 0.001);
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_dbus_transfer1_set_kind (transfer, "upload");
  g_assert_nonnull (find_label (GTK_WIDGET (row), "To Bruno Costa"));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_transfers_page_remove_transfer (page, transfer);
  g_assert_cmpuint (g_list_model_get_n_items (hallway_transfers_page_get_transfers (page)), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/peer-row/state", test_peer_row_state);
  g_test_add_func ("/peer-page/folders-and-problem", test_peer_page_folders_and_problem);
  g_test_add_func ("/transfer-row/states", test_transfer_row_states);

  return g_test_run ();
}
