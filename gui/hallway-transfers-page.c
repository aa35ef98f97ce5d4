/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-transfers-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "hallway-transfer-row.h"

/* Downloads, newest first, as hallwayd's Transfer1 objects. */
struct _HallwayTransfersPage
{
  GtkBox      parent_instance;

  GListStore *transfers;   /* (owned) of HallwayDBusTransfer1 */

  GtkStack   *stack;
  GtkListBox *list;
};

G_DEFINE_FINAL_TYPE (HallwayTransfersPage, hallway_transfers_page, GTK_TYPE_BOX)

static void
update_stack (HallwayTransfersPage *self)
{
  gtk_stack_set_visible_child_name (self->stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->transfers)) > 0
                                    ? "list" : "empty");
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return hallway_transfer_row_new (HALLWAY_DBUS_TRANSFER1 (item));
}

static guint64
transfer_number (HallwayDBusTransfer1 *transfer)
{
  /* The object path ends in the id, which is there even before the properties are. */
  const char *path = G_IS_DBUS_PROXY (transfer)
                     ? g_dbus_proxy_get_object_path (G_DBUS_PROXY (transfer)) : NULL;
  const char *slash = path != NULL ? strrchr (path, '/') : NULL;

  return slash != NULL ? g_ascii_strtoull (slash + 1, NULL, 10) : 0;
}

static int
compare_transfers (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  guint64 x = transfer_number ((HallwayDBusTransfer1 *) a);
  guint64 y = transfer_number ((HallwayDBusTransfer1 *) b);

  /* Newest (highest id) first. */
  return x < y ? 1 : x > y ? -1 : 0;
}

static void
hallway_transfers_page_dispose (GObject *object)
{
  HallwayTransfersPage *self = HALLWAY_TRANSFERS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_TRANSFERS_PAGE);
  g_clear_object (&self->transfers);

  G_OBJECT_CLASS (hallway_transfers_page_parent_class)->dispose (object);
}

static void
hallway_transfers_page_class_init (HallwayTransfersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_transfers_page_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hallwaylan/Hallway/hallway-transfers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayTransfersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HallwayTransfersPage, list);
}

static void
hallway_transfers_page_init (HallwayTransfersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->transfers = g_list_store_new (HALLWAY_DBUS_TYPE_TRANSFER1);
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->transfers), create_row, self, NULL);
  update_stack (self);
}

void
hallway_transfers_page_add_transfer (HallwayTransfersPage *self,
                                     HallwayDBusTransfer1 *transfer)
{
  g_return_if_fail (HALLWAY_IS_TRANSFERS_PAGE (self));
  g_return_if_fail (HALLWAY_DBUS_IS_TRANSFER1 (transfer));

  if (g_list_store_find (self->transfers, transfer, NULL))
    return;
  g_list_store_insert_sorted (self->transfers, transfer, compare_transfers, NULL);
  update_stack (self);
}

void
hallway_transfers_page_remove_transfer (HallwayTransfersPage *self,
                                        HallwayDBusTransfer1 *transfer)
{
  guint position;

  g_return_if_fail (HALLWAY_IS_TRANSFERS_PAGE (self));

  if (!g_list_store_find (self->transfers, transfer, &position))
    return;
  g_list_store_remove (self->transfers, position);
  update_stack (self);
}

/**
 * hallway_transfers_page_get_transfers:
 *
 * Returns: (transfer none): the transfers shown, newest first
 */
GListModel *
hallway_transfers_page_get_transfers (HallwayTransfersPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFERS_PAGE (self), NULL);
  return G_LIST_MODEL (self->transfers);
}

GtkListBox *
hallway_transfers_page_get_list (HallwayTransfersPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFERS_PAGE (self), NULL);
  return self->list;
}
