/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Widgets on their own, fed with D-Bus skeletons instead of a daemon: a
 * skeleton implements the same HallwayDBusPeer1 interface as the proxies
 * the window gets, so property changes reach the widgets the same way.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hallway-test-gtk.h"

#include "hallway-my-shares-page.h"
#include "hallway-offer-dialog.h"
#include "hallway-peer-list.h"
#include "hallway-peer-page.h"
#include "hallway-peer-row.h"
#include "hallway-preferences-window.h"
#include "hallway-printer-row.h"
#include "hallway-send.h"
#include "hallway-transfer-row.h"
#include "hallway-transfers-page.h"

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
test_peer_row_state (void)
{
  g_autoptr(HallwayDBusPeer1) peer = new_peer ();
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *row = hallway_peer_row_new (peer);
  GtkWidget *window = gtk_window_new ();

  g_test_summary ("A neighbour's row shows name, computer, state and trust, and follows "
                  "changes");

  gtk_list_box_append (GTK_LIST_BOX (list), row);
  gtk_window_set_child (GTK_WINDOW (window), list);
  gtk_window_present (GTK_WINDOW (window));
  hallway_test_gtk_settle ();

  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Dana Weber");
  g_assert_true (hallway_test_gtk_shows_label (row, "Dana Weber"));
  g_assert_true (hallway_test_gtk_shows_label (row, "dana-laptop"));
  g_assert_true (hallway_test_gtk_shows_label (row, "Online"));

  hallway_dbus_peer1_set_online (peer, FALSE);
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (row, "Away"));

  hallway_dbus_peer1_set_name (peer, "Dana W.");
  hallway_test_gtk_settle ();
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Dana W.");

  hallway_dbus_peer1_set_problem (peer, "identity-changed");
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (row, "Check identity"));

  /* Who is trusted shows, and a trusted colleague's name on another
   * identity is flagged, never shown as them. */
  g_assert_true (hallway_test_gtk_shows_label (row, "Not verified"));
  hallway_dbus_peer1_set_trusted (peer, TRUE);
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (row, "Trusted colleague"));
  g_assert_false (hallway_test_gtk_shows_label (row, "Not verified"));
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Check identity, Trusted colleague");
  hallway_dbus_peer1_set_trusted (peer, FALSE);
  hallway_dbus_peer1_set_name_held_by (peer, "fedcba9876543210");
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (
    row, "Not your trusted colleague of this name: another identity"));
  g_assert_false (hallway_test_gtk_shows_label (row, "Trusted colleague"));

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

/* A GDBusObjectManager of objects added and removed by hand, signals
 * emitted at once: what the daemon's manager looks like to the window. */
#define TEST_TYPE_MANAGER (test_manager_get_type ())
G_DECLARE_FINAL_TYPE (TestManager, test_manager, TEST, MANAGER, GObject)

struct _TestManager
{
  GObject     parent_instance;
  GHashTable *objects;   /* path → GDBusObject */
};

static void test_manager_iface_init (GDBusObjectManagerIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestManager, test_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_DBUS_OBJECT_MANAGER,
                                                      test_manager_iface_init))

static const char *
test_manager_get_object_path (GDBusObjectManager *manager)
{
  return "/io/github/hallwaylan/Hallway";
}

static gpointer
ref_object (gconstpointer object,
            gpointer      user_data)
{
  return g_object_ref ((gpointer) object);
}

static GList *
test_manager_get_objects (GDBusObjectManager *manager)
{
  g_autoptr(GList) objects = g_hash_table_get_values (TEST_MANAGER (manager)->objects);

  return g_list_copy_deep (objects, ref_object, NULL);
}

static GDBusObject *
test_manager_get_object (GDBusObjectManager *manager,
                         const char         *path)
{
  GDBusObject *object = g_hash_table_lookup (TEST_MANAGER (manager)->objects, path);

  return object != NULL ? g_object_ref (object) : NULL;
}

static GDBusInterface *
test_manager_get_interface (GDBusObjectManager *manager,
                            const char         *path,
                            const char         *name)
{
  GDBusObject *object = g_hash_table_lookup (TEST_MANAGER (manager)->objects, path);

  return object != NULL ? g_dbus_object_get_interface (object, name) : NULL;
}

static void
test_manager_iface_init (GDBusObjectManagerIface *iface)
{
  iface->get_object_path = test_manager_get_object_path;
  iface->get_objects = test_manager_get_objects;
  iface->get_object = test_manager_get_object;
  iface->get_interface = test_manager_get_interface;
}

static void
test_manager_finalize (GObject *object)
{
  g_hash_table_unref (TEST_MANAGER (object)->objects);
  G_OBJECT_CLASS (test_manager_parent_class)->finalize (object);
}

static void
test_manager_class_init (TestManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_manager_finalize;
}

static void
test_manager_init (TestManager *self)
{
  self->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static HallwayDBusPeer1 *
add_peer (TestManager *manager,
          guint        n,
          const char  *name)
{
  g_autofree char *path = g_strdup_printf ("/io/github/hallwaylan/Hallway/peers/p%03u", n);
  HallwayDBusPeer1 *peer = new_peer ();
  HallwayDBusObjectSkeleton *object = hallway_dbus_object_skeleton_new (path);

  hallway_dbus_peer1_set_name (peer, name);
  hallway_dbus_object_skeleton_set_peer1 (object, peer);
  g_hash_table_insert (manager->objects, g_strdup (path), object);
  g_signal_emit_by_name (manager, "object-added", object);
  return peer;
}

static void
remove_peer (TestManager *manager,
             guint        n)
{
  g_autofree char *path = g_strdup_printf ("/io/github/hallwaylan/Hallway/peers/p%03u", n);
  g_autoptr(GDBusObject) object = g_object_ref (g_hash_table_lookup (manager->objects, path));

  g_hash_table_remove (manager->objects, path);
  g_signal_emit_by_name (manager, "object-removed", object);
}

static const char *
peer_list_name (HallwayPeerList *list,
                guint            position)
{
  g_autoptr(HallwayDBusPeer1) peer = g_list_model_get_item (G_LIST_MODEL (list), position);

  return hallway_dbus_peer1_get_name (peer);
}

static GtkWidget *
create_peer_row (gpointer item,
                 gpointer user_data)
{
  return hallway_peer_row_new (HALLWAY_DBUS_PEER1 (item));
}

static gboolean
peer_list_is_sorted (HallwayPeerList *list)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 1; i < n; i++)
    if (g_utf8_collate (peer_list_name (list, i - 1), peer_list_name (list, i)) > 0)
      return FALSE;
  return TRUE;
}

static void
wait_for_peer_list (HallwayPeerList *list)
{
  while (hallway_peer_list_get_n_pending (list) > 0)
    g_main_context_iteration (NULL, TRUE);
  hallway_test_gtk_settle ();
}

static void
test_peer_list_paced (void)
{
  g_autoptr(TestManager) manager = g_object_new (TEST_TYPE_MANAGER, NULL);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_list_box_new ();
  g_autoptr(HallwayPeerList) list = hallway_peer_list_new (window);

  g_test_summary ("Neighbours come into the sidebar's list sorted, on the window's frames, "
                  "not in the signal that brought them; renames move them, goodbyes remove them");

  gtk_list_box_bind_model (GTK_LIST_BOX (box), G_LIST_MODEL (list), create_peer_row, NULL, NULL);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
  hallway_peer_list_set_manager (list, G_DBUS_OBJECT_MANAGER (manager));

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *name = g_strdup_printf ("Colleague %02u", (i * 37) % 60);

      g_ptr_array_add (peers, add_peer (manager, i, name));
    }
  /* Nothing built in the signal handlers: all of it waits for frames. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_cmpuint (hallway_peer_list_get_n_pending (list), ==, 60);

  wait_for_peer_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 60);
  g_assert_true (peer_list_is_sorted (list));
  g_assert_cmpstr (peer_list_name (list, 0), ==, "Colleague 00");

  hallway_dbus_peer1_set_name (g_ptr_array_index (peers, 0), "Zoé");
  g_assert_cmpuint (hallway_peer_list_get_n_pending (list), ==, 1);
  wait_for_peer_list (list);
  g_assert_cmpstr (peer_list_name (list, 59), ==, "Zoé");
  g_assert_true (peer_list_is_sorted (list));

  for (guint i = 0; i < 10; i++)
    remove_peer (manager, i);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 60);
  wait_for_peer_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 50);
  g_assert_true (peer_list_is_sorted (list));

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

/* The peer rows a list view shows, top to bottom. */
static GPtrArray *
shown_rows (GtkWidget *view)
{
  GPtrArray *rows = g_ptr_array_new ();

  for (GtkWidget *item = gtk_widget_get_first_child (view);
       item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = gtk_widget_get_first_child (item);

      if (gtk_widget_get_child_visible (item) && row != NULL && HALLWAY_IS_PEER_ROW (row) &&
          hallway_peer_row_get_peer (HALLWAY_PEER_ROW (row)) != NULL)
        g_ptr_array_add (rows, row);
    }
  for (guint i = 1; i < rows->len; i++)
    {
      graphene_point_t above, below;

      g_assert_true (gtk_widget_compute_point (g_ptr_array_index (rows, i - 1), view,
                                               &GRAPHENE_POINT_INIT (0, 0), &above));
      g_assert_true (gtk_widget_compute_point (g_ptr_array_index (rows, i), view,
                                               &GRAPHENE_POINT_INIT (0, 0), &below));
      g_assert_cmpfloat (above.y, <, below.y);
    }
  return rows;
}

/* Every row shown is the neighbour at its place in @model, with its name
 * and state, also to assistive technologies. Returns the place of the last
 * row shown. */
static guint
assert_rows_match (GtkWidget  *view,
                   GListModel *model)
{
  g_autoptr(GPtrArray) rows = shown_rows (view);
  guint first;

  g_assert_cmpuint (rows->len, >, 0);
  for (first = 0; first < g_list_model_get_n_items (model); first++)
    {
      g_autoptr(HallwayDBusPeer1) peer = g_list_model_get_item (model, first);

      if (peer == hallway_peer_row_get_peer (g_ptr_array_index (rows, 0)))
        break;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);
      g_autoptr(HallwayDBusPeer1) peer = g_list_model_get_item (model, first + i);
      const char *name = hallway_dbus_peer1_get_name (peer);
      const char *state = hallway_dbus_peer1_get_online (peer) ? "Online" : "Away";
      g_autofree char *description =
        g_strdup_printf ("%s, %s", state,
                         hallway_dbus_peer1_get_trusted (peer) ? "Trusted colleague"
                                                               : "Not verified");

      g_assert_true (hallway_peer_row_get_peer (HALLWAY_PEER_ROW (row)) == peer);
      g_assert_true (hallway_test_gtk_shows_label (row, name));
      g_assert_true (hallway_test_gtk_shows_label (row, state));
      gtk_test_accessible_assert_property (gtk_widget_get_parent (row),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL, name);
      gtk_test_accessible_assert_property (gtk_widget_get_parent (row),
                                           GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);
    }
  return first + rows->len - 1;
}

/* Scrolls @scroller to the top or the bottom and shows that. */
static void
scroll_to (GtkWidget *scroller,
           gboolean   bottom)
{
  GtkAdjustment *adjustment =
    gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

  gtk_adjustment_set_value (adjustment, bottom ? gtk_adjustment_get_upper (adjustment) : 0);
  hallway_test_gtk_settle ();
}

/* The rows at the top and at the bottom are what @model holds there. */
static void
assert_ends_match (GtkWidget  *scroller,
                   GtkWidget  *view,
                   GListModel *model)
{
  scroll_to (scroller, FALSE);
  g_assert_cmpuint (assert_rows_match (view, model), <, g_list_model_get_n_items (model) - 1);
  scroll_to (scroller, TRUE);
  g_assert_cmpuint (assert_rows_match (view, model), ==, g_list_model_get_n_items (model) - 1);
}

/* Of the rows shown, the one of @chosen, and only that one, looks chosen. */
static void
assert_only_selected (GtkWidget        *view,
                      HallwayDBusPeer1 *chosen)
{
  g_autoptr(GPtrArray) rows = shown_rows (view);
  gboolean seen = FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);
      gboolean selected =
        (gtk_widget_get_state_flags (gtk_widget_get_parent (row)) & GTK_STATE_FLAG_SELECTED) != 0;

      g_assert_cmpint (selected, ==, hallway_peer_row_get_peer (HALLWAY_PEER_ROW (row)) == chosen);
      seen |= selected;
    }
  g_assert_true (seen);
}

static void
test_peer_list_view (void)
{
  g_autoptr(TestManager) manager = g_object_new (TEST_TYPE_MANAGER, NULL);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  g_autoptr(HallwayPeerList) list = hallway_peer_list_new (window);
  GtkSingleSelection *selection =
    gtk_single_selection_new (g_object_ref (G_LIST_MODEL (list)));
  GtkWidget *view = gtk_list_view_new (GTK_SELECTION_MODEL (selection),
                                       hallway_peer_row_factory_new ());
  HallwayDBusPeer1 *chosen;

  g_test_summary ("The sidebar's list view shows each neighbour in order with its state, and "
                  "keeps the chosen one chosen, through renames that move rows and removals");

  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 400);
  gtk_window_present (GTK_WINDOW (window));
  hallway_peer_list_set_manager (list, G_DBUS_OBJECT_MANAGER (manager));

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *name = g_strdup_printf ("Colleague %02u", (i * 37) % 60);
      HallwayDBusPeer1 *peer = add_peer (manager, i, name);

      hallway_dbus_peer1_set_online (peer, i % 3 != 0);
      g_ptr_array_add (peers, peer);
    }
  wait_for_peer_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 60);
  assert_ends_match (scroller, view, G_LIST_MODEL (list));

  /* "Colleague 05" is peers[5 * 13 % 60], as 37 * 13 = 1 (mod 60). */
  gtk_single_selection_set_selected (selection, 5);
  chosen = gtk_single_selection_get_selected_item (selection);
  g_assert_cmpstr (hallway_dbus_peer1_get_name (chosen), ==, "Colleague 05");

  /* Renames that move the chosen one to the end and another to the top,
   * and changes of state on the way. */
  hallway_dbus_peer1_set_name (chosen, "Zoé");
  hallway_dbus_peer1_set_name (g_ptr_array_index (peers, 40 * 13 % 60), "Aaron");
  hallway_dbus_peer1_set_online (chosen, FALSE);
  hallway_dbus_peer1_set_online (g_ptr_array_index (peers, 0), TRUE);
  hallway_dbus_peer1_set_online (g_ptr_array_index (peers, 1), FALSE);
  wait_for_peer_list (list);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == chosen);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 59);
  assert_ends_match (scroller, view, G_LIST_MODEL (list));
  assert_only_selected (view, chosen);
  g_assert_cmpstr (peer_list_name (list, 0), ==, "Aaron");

  /* Ten leave, before and after the chosen one in the list. */
  for (guint i = 10; i < 20; i++)
    remove_peer (manager, i);
  wait_for_peer_list (list);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == chosen);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 49);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 50);
  assert_ends_match (scroller, view, G_LIST_MODEL (list));
  assert_only_selected (view, chosen);
  g_assert_true (peer_list_is_sorted (list));

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

static void
test_my_shares_page_ignores_peers (void)
{
  g_autoptr(TestManager) manager = g_object_new (TEST_TYPE_MANAGER, NULL);
  g_autoptr(HallwayDBusDaemon1) daemon = hallway_dbus_daemon1_skeleton_new ();
  g_autoptr(HallwayDBusShare1) share = hallway_dbus_share1_skeleton_new ();
  HallwayDBusObjectSkeleton *object =
    hallway_dbus_object_skeleton_new ("/io/github/hallwaylan/Hallway/shares/music");
  GtkWidget *window = gtk_window_new ();
  HallwayMySharesPage *page = g_object_new (HALLWAY_TYPE_MY_SHARES_PAGE, NULL);
  GtkWidget *list = GTK_WIDGET (hallway_my_shares_page_get_list (page));
  GtkWidget *row;

  g_test_summary ("Neighbours coming and going leave This computer's lists alone; "
                  "a share coming and going updates them");

  hallway_dbus_daemon1_set_name (daemon, "Me on my-pc");
  hallway_dbus_share1_set_name (share, "Music");
  hallway_dbus_share1_set_path (share, "/home/me/Music");
  hallway_dbus_share1_set_access (share, "read-only");
  hallway_dbus_share1_set_audience (share, "everyone");
  hallway_dbus_share1_set_enabled (share, TRUE);
  hallway_dbus_share1_set_available (share, TRUE);
  hallway_dbus_object_skeleton_set_share1 (object, share);

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  hallway_my_shares_page_set_daemon (page, daemon, G_DBUS_OBJECT_MANAGER (manager));
  g_hash_table_insert (manager->objects, g_strdup ("/io/github/hallwaylan/Hallway/shares/music"),
                       object);
  g_signal_emit_by_name (manager, "object-added", object);
  hallway_test_gtk_settle ();
  row = gtk_widget_get_first_child (list);
  g_assert_nonnull (row);
  g_assert_true (hallway_test_gtk_shows_label (row, "Music"));

  /* The same row, not one built again for each neighbour. */
  g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &row);
  for (guint i = 0; i < 20; i++)
    g_object_unref (add_peer (manager, i, "Colleague"));
  for (guint i = 0; i < 20; i++)
    remove_peer (manager, i);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_first_child (list) == row);
  g_object_remove_weak_pointer (G_OBJECT (row), (gpointer *) &row);

  g_object_ref (object);
  g_hash_table_remove (manager->objects, "/io/github/hallwaylan/Hallway/shares/music");
  g_signal_emit_by_name (manager, "object-removed", object);
  g_object_unref (object);
  g_assert_null (gtk_widget_get_first_child (list));

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
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
  hallway_test_gtk_settle ();

  folders = hallway_peer_page_get_folders (HALLWAY_PEER_PAGE (page));
  gtk_test_accessible_assert_property (folders, GTK_ACCESSIBLE_PROPERTY_LABEL, "Shared folders");
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (folders, 0));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Photos");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "You can open files");
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (folders, 1));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Inbox");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "You can put files in it");
  g_assert_null (gtk_list_box_get_row_at_index (folders, 2));
  g_assert_true (hallway_test_gtk_shows_label (page, "Trust…"));
  g_assert_false (hallway_test_gtk_shows_label (page, "This computer is not the one you trusted"));

  hallway_dbus_peer1_set_trusted (peer, TRUE);
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (page, "Stop Trusting"));

  hallway_dbus_peer1_set_problem (peer, "identity-changed");
  hallway_dbus_peer1_set_problem_message (peer, "Dana Weber’s computer has a different key "
                                          "than the one you trusted.");
  hallway_test_gtk_settle ();
  g_assert_true (hallway_test_gtk_shows_label (page, "This computer is not the one you trusted"));
  g_assert_true (hallway_test_gtk_shows_label (page, "Dana Weber’s computer has a different key "
                                                     "than the one you trusted."));
  hallway_test_gtk_save_png (window, "identity-problem");

  hallway_dbus_peer1_set_shared_folders (peer,
                                         g_variant_new_array (G_VARIANT_TYPE ("(ssss)"), NULL, 0));
  hallway_dbus_peer1_set_problem (peer, "");
  hallway_test_gtk_settle ();
  g_assert_null (gtk_list_box_get_row_at_index (folders, 0));
  g_assert_true (hallway_test_gtk_shows_label (page, "No shared folders yet."));
  g_assert_false (hallway_test_gtk_shows_label (page, "This computer is not the one you trusted"));

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

static void
test_transfer_row_states (void)
{
  g_autoptr(HallwayDBusTransfer1) transfer = hallway_dbus_transfer1_skeleton_new ();
  HallwayTransfersPage *page = g_object_new (HALLWAY_TYPE_TRANSFERS_PAGE, NULL);
  GtkWidget *window = gtk_window_new ();
  HallwayTransferRow *row;
  GtkProgressBar *bar;

  g_test_summary (
    "A transfer row follows its Transfer1: progress, rate and time left, state in plain words");

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
  hallway_test_gtk_settle ();

  row = HALLWAY_TRANSFER_ROW (
    gtk_list_box_get_row_at_index (hallway_transfers_page_get_list (page), 0));
  g_assert_nonnull (row);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "budget.ods");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==,
                   "2.1\u00a0MB/s — about 30 seconds left");
  g_assert_nonnull (hallway_test_gtk_find_label (GTK_WIDGET (row), "From Bruno Costa"));
  bar = GTK_PROGRESS_BAR (hallway_test_gtk_find_widget (GTK_WIDGET (row), GTK_TYPE_PROGRESS_BAR));
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.25, 0.001);
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  gtk_test_accessible_assert_property (hallway_transfer_row_get_cancel_button (row),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Cancel");
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  /* Live: property changes update the row. */
  hallway_dbus_transfer1_set_bytes (transfer, 3000000);
  hallway_dbus_transfer1_set_eta (transfer, 150);
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.75, 0.001);
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==,
                   "2.1\u00a0MB/s — about 3 minutes left");

  hallway_dbus_transfer1_set_state (transfer, "waiting");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==,
                   "Waiting for Bruno Costa’s computer");
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));

  hallway_dbus_transfer1_set_error (transfer, "Bruno stopped sharing “Reports”");
  hallway_dbus_transfer1_set_state (transfer, "failed");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==,
                   "Bruno stopped sharing “Reports”");
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_cancel_button (row)));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_dbus_transfer1_set_state (transfer, "done");
  g_assert_cmpstr (hallway_transfer_row_get_status_text (row), ==, "Done");
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 1.0, 0.001);
  g_assert_true (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_dbus_transfer1_set_kind (transfer, "upload");
  g_assert_nonnull (hallway_test_gtk_find_label (GTK_WIDGET (row), "To Bruno Costa"));
  g_assert_false (gtk_widget_get_visible (hallway_transfer_row_get_show_button (row)));

  hallway_transfers_page_remove_transfer (page, transfer);
  g_assert_cmpuint (g_list_model_get_n_items (hallway_transfers_page_get_transfers (page)), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = hallway_preferences_window_new (settings);
  HallwayPreferencesWindow *prefs = HALLWAY_PREFERENCES_WINDOW (window);
  AdwComboRow *policy = hallway_preferences_window_get_policy_row (prefs);
  AdwActionRow *folder = hallway_preferences_window_get_folder_row (prefs);
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autofree char *default_folder = downloads != NULL ? g_strdup (downloads)
                                    : g_build_filename (g_get_home_dir (), "Downloads", NULL);

  g_test_summary ("Preferences show and change the receiving settings hallwayd reads");

  g_settings_reset (settings, "accept-policy");
  g_settings_reset (settings, "receive-folder");
  gtk_window_present (GTK_WINDOW (window));
  hallway_test_gtk_settle ();

  /* Defaults: ask every time, into Downloads. */
  g_assert_cmpuint (adw_combo_row_get_selected (policy), ==, 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (folder), ==, default_folder);

  adw_combo_row_set_selected (policy, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "accept-policy"), ==, "trusted");
  g_settings_set_string (settings, "accept-policy", "refuse");
  g_assert_cmpuint (adw_combo_row_get_selected (policy), ==, 2);

  g_settings_set_string (settings, "receive-folder", "/srv/inbox");
  hallway_test_gtk_settle ();
  g_assert_cmpstr (adw_action_row_get_subtitle (folder), ==, "/srv/inbox");
  /* A relative folder is not taken: Downloads it is. */
  g_settings_set_string (settings, "receive-folder", "inbox");
  hallway_test_gtk_settle ();
  g_assert_cmpstr (adw_action_row_get_subtitle (folder), ==, default_folder);

  hallway_test_gtk_save_png (window, "preferences");
  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
}

/* A skeleton exported on the test's session bus and a proxy for it, so
 * that method calls travel over D-Bus as they do with hallwayd. */
typedef struct
{
  GDBusConnection *connection;
  guint            n_calls;
  GVariant        *indexes;
  char            *folder;
  gboolean         declined;
  GStrv            sent;
  char            *sent_to;
  int              answered;
  char            *printed;
} BusFixture;

static gboolean
handle_accept_cb (HallwayDBusOffer1     *offer,
                  GDBusMethodInvocation *invocation,
                  GVariant              *indexes,
                  const char            *folder,
                  BusFixture            *fixture)
{
  fixture->n_calls++;
  g_clear_pointer (&fixture->indexes, g_variant_unref);
  fixture->indexes = g_variant_ref (indexes);
  g_free (fixture->folder);
  fixture->folder = g_strdup (folder);
  hallway_dbus_offer1_set_state (offer, "accepted");
  hallway_dbus_offer1_complete_accept (offer, invocation);
  return TRUE;
}

static gboolean
handle_decline_cb (HallwayDBusOffer1     *offer,
                   GDBusMethodInvocation *invocation,
                   BusFixture            *fixture)
{
  fixture->n_calls++;
  fixture->declined = TRUE;
  hallway_dbus_offer1_complete_decline (offer, invocation);
  return TRUE;
}

static HallwayDBusOffer1 *
export_offer (BusFixture         *fixture,
              HallwayDBusOffer1 **skeleton_out,
              const char         *path)
{
  g_autoptr(GError) error = NULL;
  HallwayDBusOffer1 *skeleton = hallway_dbus_offer1_skeleton_new ();
  HallwayDBusOffer1 *proxy;
  GVariantBuilder files;

  fixture->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  g_variant_builder_init (&files, G_VARIANT_TYPE ("a(st)"));
  g_variant_builder_add (&files, "(st)", "report.pdf", (guint64) 2000000);
  g_variant_builder_add (&files, "(st)", "<b>not bold</b> & co.txt", (guint64) 12);
  g_variant_builder_add (&files, "(st)", "Photos/beach.jpg", (guint64) 10000000);
  hallway_dbus_offer1_set_id (skeleton, "1");
  hallway_dbus_offer1_set_peer (skeleton, "0123456789abcdef");
  hallway_dbus_offer1_set_peer_name (skeleton, "Alice Martin");
  hallway_dbus_offer1_set_files (skeleton, g_variant_builder_end (&files));
  hallway_dbus_offer1_set_total (skeleton, 12000012);
  hallway_dbus_offer1_set_state (skeleton, "pending");
  g_signal_connect (skeleton, "handle-accept", G_CALLBACK (handle_accept_cb), fixture);
  g_signal_connect (skeleton, "handle-decline", G_CALLBACK (handle_decline_cb), fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (skeleton), fixture->connection,
                                    path, &error);
  g_assert_no_error (error);

  {
    g_autoptr(GAsyncResult) result = NULL;

    hallway_dbus_offer1_proxy_new (fixture->connection, G_DBUS_PROXY_FLAGS_NONE,
                                   g_dbus_connection_get_unique_name (fixture->connection),
                                   path, NULL, hallway_test_result_cb, &result);
    proxy = hallway_dbus_offer1_proxy_new_finish (hallway_test_wait_result (&result), &error);
    g_assert_no_error (error);
  }
  *skeleton_out = skeleton;
  return proxy;
}

static void
bus_fixture_clear (BusFixture *fixture)
{
  g_clear_pointer (&fixture->indexes, g_variant_unref);
  g_clear_pointer (&fixture->folder, g_free);
  g_clear_pointer (&fixture->sent, g_strfreev);
  g_clear_pointer (&fixture->sent_to, g_free);
  g_clear_pointer (&fixture->printed, g_free);
  g_clear_object (&fixture->connection);
}

static void
answered_flag_cb (HallwayOfferDialog *dialog,
                  gboolean            ok,
                  gboolean           *flag)
{
  *flag = TRUE;
}

static void
destroyed_cb (GtkWidget *widget,
              gboolean  *flag)
{
  *flag = TRUE;
}

static void
test_offer_dialog_accept_some (void)
{
  BusFixture fixture = { 0 };
  g_autoptr(HallwayDBusOffer1) skeleton = NULL;
  g_autoptr(HallwayDBusOffer1) offer = export_offer (&fixture, &skeleton, "/test/offers/1");
  GtkWidget *dialog = hallway_offer_dialog_new (NULL, offer, "/home/bruno/Downloads");
  gboolean answered = FALSE;
  gboolean destroyed = FALSE;
  GtkWidget *extra;

  g_test_summary ("The offer dialog says who sends what, and accepts the files ticked");

  g_object_ref_sink (dialog);
  g_signal_connect (dialog, "answered", G_CALLBACK (answered_flag_cb), &answered);
  g_signal_connect (dialog, "destroy", G_CALLBACK (destroyed_cb), &destroyed);
  gtk_window_present (GTK_WINDOW (dialog));
  hallway_test_gtk_settle ();

  /* Not a trusted colleague: the name is only what the sender calls itself. */
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Someone calling themselves Alice Martin — not verified — wants to send you "
                   "3 files (12.0\u00a0MB)");
  g_assert_true (g_str_has_prefix (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                                   "They will be saved in “Downloads”."));
  /* A name from another computer is text, never markup. */
  extra = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (extra);
  hallway_test_gtk_save_png (dialog, "offer");

  hallway_offer_dialog_set_file_chosen (HALLWAY_OFFER_DIALOG (dialog), 1, FALSE);
  hallway_test_gtk_click_button (dialog, "_Accept");
  g_assert_true (hallway_test_wait_flag (&answered, 10));

  g_assert_cmpuint (fixture.n_calls, ==, 1);
  g_assert_cmpstr (fixture.folder, ==, "/home/bruno/Downloads");
  g_assert_cmpuint (g_variant_n_children (fixture.indexes), ==, 2);
  {
    guint32 first, second;

    g_variant_get_child (fixture.indexes, 0, "u", &first);
    g_variant_get_child (fixture.indexes, 1, "u", &second);
    g_assert_cmpuint (first, ==, 0);
    g_assert_cmpuint (second, ==, 2);
  }
  g_assert_null (hallway_offer_dialog_get_error (HALLWAY_OFFER_DIALOG (dialog)));
  hallway_test_gtk_settle ();
  g_test_message ("destroyed %d visible %d", destroyed, gtk_widget_get_visible (dialog));
  g_assert_false (gtk_widget_get_visible (dialog));

  g_object_unref (dialog);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (skeleton));
  bus_fixture_clear (&fixture);
}

static void
test_offer_dialog_decline_and_expire (void)
{
  BusFixture fixture = { 0 };
  g_autoptr(HallwayDBusOffer1) skeleton = NULL;
  g_autoptr(HallwayDBusOffer1) offer = export_offer (&fixture, &skeleton, "/test/offers/2");
  GtkWidget *dialog = hallway_offer_dialog_new (NULL, offer, "/tmp");
  gboolean answered = FALSE;
  gboolean destroyed = FALSE;

  g_test_summary ("Declining tells hallwayd; an offer that expires closes its dialog by itself");

  g_object_ref_sink (dialog);
  g_signal_connect (dialog, "answered", G_CALLBACK (answered_flag_cb), &answered);
  gtk_window_present (GTK_WINDOW (dialog));
  hallway_test_gtk_settle ();
  hallway_test_gtk_click_button (dialog, "_Decline");
  g_assert_true (hallway_test_wait_flag (&answered, 10));
  g_assert_true (fixture.declined);
  g_assert_null (fixture.indexes);
  g_object_unref (dialog);

  /* Unticking everything and accepting is a "no", too. */
  hallway_dbus_offer1_set_state (skeleton, "pending");
  fixture.declined = FALSE;
  dialog = hallway_offer_dialog_new (NULL, offer, "/tmp");
  g_object_ref_sink (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  for (guint i = 0; i < 3; i++)
    hallway_offer_dialog_set_file_chosen (HALLWAY_OFFER_DIALOG (dialog), i, FALSE);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "accept"));
  g_object_unref (dialog);
  hallway_test_gtk_settle ();

  dialog = hallway_offer_dialog_new (NULL, offer, "/tmp");
  g_object_ref_sink (dialog);
  g_signal_connect (dialog, "destroy", G_CALLBACK (destroyed_cb), &destroyed);
  gtk_window_present (GTK_WINDOW (dialog));
  hallway_test_gtk_settle ();
  hallway_dbus_offer1_set_state (skeleton, "expired");
  while (gtk_widget_get_visible (dialog))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (fixture.declined);
  g_assert_cmpuint (fixture.n_calls, ==, 1);

  g_object_unref (dialog);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (skeleton));
  bus_fixture_clear (&fixture);
}

static gboolean
handle_send_cb (HallwayDBusDaemon1    *daemon,
                GDBusMethodInvocation *invocation,
                const char            *peer,
                const char * const    *paths,
                BusFixture            *fixture)
{
  fixture->n_calls++;
  g_strfreev (fixture->sent);
  fixture->sent = g_strdupv ((GStrv) paths);
  g_free (fixture->sent_to);
  fixture->sent_to = g_strdup (peer);
  hallway_dbus_daemon1_complete_send (daemon, invocation, "/test/transfers/1");
  return TRUE;
}

static void
test_send_drop (void)
{
  BusFixture fixture = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusDaemon1) skeleton = hallway_dbus_daemon1_skeleton_new ();
  g_autoptr(HallwayDBusDaemon1) daemon = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autoptr(GdkContentFormats) formats = NULL;
  GtkDropTarget *target = hallway_send_drop_target_new ();
  GtkWidget *label = gtk_label_new ("drop here");
  GFile *files[] = { g_file_new_for_path ("/tmp/a.txt"), g_file_new_for_path ("/tmp/b c.txt") };
  GValue value = G_VALUE_INIT;
  GValue text = G_VALUE_INIT;
  gboolean handled = FALSE;

  g_test_summary ("Files dropped on a neighbour are offered to them through Daemon1.Send");

  fixture.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (skeleton, "handle-send", G_CALLBACK (handle_send_cb), &fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (skeleton), fixture.connection,
                                    "/test/daemon", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GAsyncResult) result = NULL;

    hallway_dbus_daemon1_proxy_new (fixture.connection, G_DBUS_PROXY_FLAGS_NONE,
                                    g_dbus_connection_get_unique_name (fixture.connection),
                                    "/test/daemon", NULL, hallway_test_result_cb, &result);
    daemon = hallway_dbus_daemon1_proxy_new_finish (hallway_test_wait_result (&result), &error);
    g_assert_no_error (error);
  }
  peer = hallway_dbus_peer1_proxy_new_sync (fixture.connection,
                                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                            g_dbus_connection_get_unique_name (fixture.connection),
                                            "/test/peers/dana", NULL, &error);
  g_assert_no_error (error);

  /* What file managers offer is taken. */
  formats = gdk_content_formats_union_deserialize_mime_types (
    gdk_content_formats_ref (gtk_drop_target_get_formats (target)));
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/uri-list"));

  g_signal_connect (target, "drop", G_CALLBACK (hallway_send_drop), NULL);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (files, 2));
  handled = hallway_send_drop (daemon, peer, &value, label);
  g_assert_true (handled);
  while (fixture.n_calls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (fixture.sent_to, ==, "/test/peers/dana");
  g_assert_cmpuint (g_strv_length (fixture.sent), ==, 2);
  g_assert_cmpstr (fixture.sent[0], ==, "/tmp/a.txt");
  g_assert_cmpstr (fixture.sent[1], ==, "/tmp/b c.txt");

  /* Anything but files is refused. */
  g_value_init (&text, G_TYPE_STRING);
  g_value_set_string (&text, "/etc/passwd");
  g_assert_false (hallway_send_drop (daemon, peer, &text, label));
  g_assert_cmpuint (fixture.n_calls, ==, 1);

  g_value_unset (&value);
  g_value_unset (&text);
  g_object_unref (files[0]);
  g_object_unref (files[1]);
  g_object_unref (target);
  g_object_ref_sink (label);
  g_object_unref (label);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (skeleton));
  bus_fixture_clear (&fixture);
}

static gboolean
handle_share_cb (HallwayDBusPrinter1   *printer,
                 GDBusMethodInvocation *invocation,
                 BusFixture            *fixture)
{
  fixture->n_calls++;
  hallway_dbus_printer1_set_shared (printer, TRUE);
  hallway_dbus_printer1_set_uri (printer, "ipp://office-a.local:53536/ipp/print/office");
  hallway_dbus_printer1_complete_share (printer, invocation);
  return TRUE;
}

static gboolean
handle_unshare_cb (HallwayDBusPrinter1   *printer,
                   GDBusMethodInvocation *invocation,
                   BusFixture            *fixture)
{
  fixture->n_calls++;
  hallway_dbus_printer1_set_shared (printer, FALSE);
  hallway_dbus_printer1_complete_unshare (printer, invocation);
  return TRUE;
}

static gboolean
handle_print_cb (HallwayDBusPrinter1   *printer,
                 GDBusMethodInvocation *invocation,
                 const char            *path,
                 const char            *title,
                 BusFixture            *fixture)
{
  fixture->n_calls++;
  g_free (fixture->printed);
  fixture->printed = g_strdup (path);
  hallway_dbus_printer1_complete_print (printer, invocation, 42);
  return TRUE;
}

static gboolean
printed_cb (gpointer user_data)
{
  BusFixture *fixture = user_data;

  return fixture->printed != NULL;
}

static void
test_printer_rows (void)
{
  BusFixture fixture = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPrinter1) mine = hallway_dbus_printer1_skeleton_new ();
  g_autoptr(HallwayDBusPrinter1) theirs = hallway_dbus_printer1_skeleton_new ();
  g_autoptr(HallwayDBusPrinter1) proxy = NULL;
  g_autoptr(HallwayDBusPrinter1) their_proxy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) their_result = NULL;
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *mine_row, *their_row, *print_row, *toggle;

  g_test_summary ("A printer of mine has a Share switch that goes through the daemon; a "
                  "neighbour's has Print and Use as Default");

  fixture.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  hallway_dbus_printer1_set_id (mine, "office");
  hallway_dbus_printer1_set_name (mine, "office");
  hallway_dbus_printer1_set_description (mine, "Office printer");
  hallway_dbus_printer1_set_location (mine, "By the window");
  hallway_dbus_printer1_set_state (mine, "idle");
  hallway_dbus_printer1_set_local (mine, TRUE);
  hallway_dbus_printer1_set_shared (mine, FALSE);
  g_signal_connect (mine, "handle-share", G_CALLBACK (handle_share_cb), &fixture);
  g_signal_connect (mine, "handle-unshare", G_CALLBACK (handle_unshare_cb), &fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (mine), fixture.connection,
                                    "/test/printers/office", &error);
  g_assert_no_error (error);
  hallway_dbus_printer1_proxy_new (fixture.connection, G_DBUS_PROXY_FLAGS_NONE,
                                   g_dbus_connection_get_unique_name (fixture.connection),
                                   "/test/printers/office", NULL, hallway_test_result_cb, &result);
  proxy = hallway_dbus_printer1_proxy_new_finish (hallway_test_wait_result (&result), &error);
  g_assert_no_error (error);

  hallway_dbus_printer1_set_id (theirs, "0123456789abcdef/laser");
  hallway_dbus_printer1_set_description (theirs, "<b>Laser</b> & co");
  hallway_dbus_printer1_set_state (theirs, "processing");
  hallway_dbus_printer1_set_local (theirs, FALSE);
  hallway_dbus_printer1_set_shared (theirs, TRUE);
  hallway_dbus_printer1_set_peer (theirs, "0123456789abcdef");

  mine_row = hallway_printer_row_new (proxy, NULL);
  their_row = hallway_printer_row_new (theirs, "Dana Weber");
  gtk_list_box_append (GTK_LIST_BOX (list), mine_row);
  gtk_list_box_append (GTK_LIST_BOX (list), their_row);
  gtk_window_set_child (GTK_WINDOW (window), list);
  gtk_window_present (GTK_WINDOW (window));
  hallway_test_gtk_settle ();

  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (mine_row)), ==,
                   "Office printer");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (mine_row)), ==,
                   "Ready · By the window");
  toggle = hallway_printer_row_get_share_switch (HALLWAY_PRINTER_ROW (mine_row));
  g_assert_nonnull (toggle);
  gtk_test_accessible_assert_property (toggle, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Share Office printer");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));

  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  while (!hallway_dbus_printer1_get_shared (proxy))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fixture.n_calls, ==, 1);
  hallway_test_gtk_settle ();
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (mine_row)), ==,
                   "Ready · By the window · Shared");
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  while (hallway_dbus_printer1_get_shared (proxy))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fixture.n_calls, ==, 2);

  /* A neighbour's: no switch, its name shown as text, never markup. */
  g_assert_null (hallway_printer_row_get_share_switch (HALLWAY_PRINTER_ROW (their_row)));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (their_row)), ==,
                   "<b>Laser</b> & co");
  g_assert_false (adw_preferences_row_get_use_markup (ADW_PREFERENCES_ROW (their_row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (their_row)), ==, "Printing");
  hallway_dbus_printer1_set_state (theirs, "stopped");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (their_row)), ==, "Stopped");
  hallway_test_gtk_save_png (window, "printers");

  /* Printing on it is asked of hallwayd (Printer1.Print): the window talks
   * to no CUPS of its own. */
  g_signal_connect (theirs, "handle-print", G_CALLBACK (handle_print_cb), &fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (theirs), fixture.connection,
                                    "/test/printers/laser", &error);
  g_assert_no_error (error);
  hallway_dbus_printer1_proxy_new (fixture.connection, G_DBUS_PROXY_FLAGS_NONE,
                                   g_dbus_connection_get_unique_name (fixture.connection),
                                   "/test/printers/laser", NULL, hallway_test_result_cb,
                                   &their_result);
  their_proxy = hallway_dbus_printer1_proxy_new_finish (hallway_test_wait_result (&their_result),
                                                        &error);
  g_assert_no_error (error);
  print_row = hallway_printer_row_new (their_proxy, "Dana Weber");
  gtk_list_box_append (GTK_LIST_BOX (list), print_row);
  hallway_test_gtk_settle ();
  hallway_printer_row_print_file (HALLWAY_PRINTER_ROW (print_row), "/srv/reports/q1.pdf");
  g_assert_true (hallway_test_wait_until (printed_cb, &fixture, 10));
  g_assert_cmpstr (fixture.printed, ==, "/srv/reports/q1.pdf");
  g_assert_cmpuint (fixture.n_calls, ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
  hallway_test_gtk_settle ();
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (theirs));
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (mine));
  bus_fixture_clear (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/peer-row/state", test_peer_row_state);
  g_test_add_func ("/peer-list/paced", test_peer_list_paced);
  g_test_add_func ("/peer-list/view", test_peer_list_view);
  g_test_add_func ("/my-shares-page/ignores-peers", test_my_shares_page_ignores_peers);
  g_test_add_func ("/peer-page/folders-and-problem", test_peer_page_folders_and_problem);
  g_test_add_func ("/transfer-row/states", test_transfer_row_states);
  g_test_add_func ("/preferences/receiving", test_preferences);
  g_test_add_func ("/offer-dialog/accept-some", test_offer_dialog_accept_some);
  g_test_add_func ("/offer-dialog/decline-and-expire", test_offer_dialog_decline_and_expire);
  g_test_add_func ("/send/drop", test_send_drop);
  g_test_add_func ("/printer-row/mine-and-theirs", test_printer_rows);

  return g_test_run ();
}
