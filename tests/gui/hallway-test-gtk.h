/* hallway-test-gtk.h: helpers shared by the GTK tests (tests/gui)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hallway-test-utils.h"

G_BEGIN_DECLS

void       hallway_test_gtk_settle       (void);
void       hallway_test_gtk_save_png     (GtkWidget  *widget,
                                          const char *name);
GtkWidget *hallway_test_gtk_find_widget  (GtkWidget  *root,
                                          GType       type);
GtkLabel  *hallway_test_gtk_find_label   (GtkWidget  *root,
                                          const char *text);
gboolean   hallway_test_gtk_shows_label  (GtkWidget  *root,
                                          const char *text);
void       hallway_test_gtk_click_button (GtkWidget  *root,
                                          const char *label);

G_END_DECLS
