/* hallway-test-gtk.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-gtk.h"

#include <glib/gstdio.h>

/**
 * hallway_test_gtk_settle:
 *
 * Lets layout, drawing and property updates run. Widgets have no event
 * that says they are done with those, so this runs the main context for
 * a while (about 200 ms); wait for real events with hallway_test_wait_until().
 */
void
hallway_test_gtk_settle (void)
{
  for (int i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (4000);
    }
}

/**
 * hallway_test_gtk_save_png:
 * @widget: a widget on screen
 * @name: a word for the file name
 *
 * Saves what @widget shows as window-@name.png in $HALLWAY_ARTIFACTS, or
 * else in artifacts/ of the build folder, for a person to look at.
 */
void
hallway_test_gtk_save_png (GtkWidget  *widget,
                           const char *name)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderNode *node;
  GtkSnapshot *snapshot;
  int width, height;

  hallway_test_gtk_settle ();
  gtk_test_widget_wait_for_draw (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  if (g_getenv ("HALLWAY_ARTIFACTS") != NULL)
    dir = g_strdup (g_getenv ("HALLWAY_ARTIFACTS"));
  else
    dir = g_build_filename (g_getenv ("HALLWAY_BUILD_DIR") != NULL
                            ? g_getenv ("HALLWAY_BUILD_DIR") : ".", "artifacts", NULL);
  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/window-%s.png", dir, name);

  paintable = gtk_widget_paintable_new (widget);
  /* A window just mapped may not have produced its first frame yet. */
  for (int tries = 0; ; tries++)
    {
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL || tries == 100)
        break;
      hallway_test_gtk_settle ();
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/**
 * hallway_test_gtk_find_widget:
 * @root: where to look
 * @type: a widget type
 *
 * Returns: (nullable) (transfer none): the first widget of @type in @root,
 *   @root included, depth first
 */
GtkWidget *
hallway_test_gtk_find_widget (GtkWidget *root,
                              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = hallway_test_gtk_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/**
 * hallway_test_gtk_find_label:
 * @root: where to look
 * @text: the whole text of the label
 *
 * Returns: (nullable) (transfer none): the first label showing exactly @text
 */
GtkLabel *
hallway_test_gtk_find_label (GtkWidget  *root,
                             const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = hallway_test_gtk_find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/**
 * hallway_test_gtk_shows_label:
 * @root: where to look
 * @text: the whole text of the label
 *
 * Returns: whether a label showing @text is there and visible
 */
gboolean
hallway_test_gtk_shows_label (GtkWidget  *root,
                              const char *text)
{
  GtkLabel *label = hallway_test_gtk_find_label (root, text);

  return label != NULL && gtk_widget_is_visible (GTK_WIDGET (label));
}

/**
 * hallway_test_gtk_click_button:
 * @root: where to look
 * @label: the button's label
 *
 * Clicks the button labelled @label, as a person would; it must be there
 * and sensitive.
 */
void
hallway_test_gtk_click_button (GtkWidget  *root,
                               const char *label)
{
  GtkWidget *found = NULL;
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, root);
  while (found == NULL && stack->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
        found = w;
      for (GtkWidget *c = gtk_widget_get_first_child (w);
           c != NULL;
           c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (stack, c);
    }
  g_assert_nonnull (found);
  g_assert_true (gtk_widget_is_sensitive (found));
  g_signal_emit_by_name (found, "clicked");
}
