/* hallway-peer-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A neighbour in the sidebar: avatar, name, computer and state. The sidebar
 * is a GtkListView, which builds rows only for the neighbours in sight and
 * gives a row another neighbour as the list scrolls or changes, so a row
 * can be told to show another peer (hallway_peer_row_set_peer()), and
 * hallway_peer_row_factory_new() does that for a list view.
 */
#include "config.h"

#include "hallway-peer-row.h"

#include <adwaita.h>
#include <glib/gi18n.h>

struct _HallwayPeerRow
{
  GtkWidget         parent_instance;

  HallwayDBusPeer1 *peer;          /* (owned) (nullable) */

  AdwAvatar        *avatar;
  GtkLabel         *name_label;
  GtkLabel         *host_label;
  GtkLabel         *trust_label;
  GtkLabel         *state_label;
};

G_DEFINE_FINAL_TYPE (HallwayPeerRow, hallway_peer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PEER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Only what the row shows: a neighbour's other properties (when it was last
 * seen, what it shares) change on their own and often. */
static const char * const shown[] = {
  "notify::name", "notify::host", "notify::online", "notify::problem", "notify::trusted",
  "notify::name-held-by",
};

/* Assistive technologies list the item that holds the row (a list view's
 * or a list box's), so that item carries the row's name and state too. */
static void
label_item (HallwayPeerRow *self)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  GtkAccessible *accessibles[2] = { GTK_ACCESSIBLE (self), NULL };
  g_autofree char *description = NULL;

  if (self->peer == NULL)
    return;
  if (parent != NULL &&
      gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (parent)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM)
    accessibles[1] = GTK_ACCESSIBLE (parent);
  /* Translators: a neighbour's state and trust, for screen readers:
   * "Online, Trusted colleague". */
  description = g_strdup_printf (_("%s, %s"), gtk_label_get_text (self->state_label),
                                 gtk_label_get_text (self->trust_label));
  for (guint i = 0; i < G_N_ELEMENTS (accessibles) && accessibles[i] != NULL; i++)
    gtk_accessible_update_property (accessibles[i],
                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_label_get_text (self->name_label),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                    -1);
}

static void
update (HallwayPeerRow *self)
{
  const char *name, *host, *problem, *held_by;
  gboolean online, trusted;

  if (self->peer == NULL)
    return;
  name = hallway_dbus_peer1_get_name (self->peer);
  host = hallway_dbus_peer1_get_host (self->peer);
  online = hallway_dbus_peer1_get_online (self->peer);
  problem = hallway_dbus_peer1_get_problem (self->peer);
  held_by = hallway_dbus_peer1_get_name_held_by (self->peer);
  trusted = hallway_dbus_peer1_get_trusted (self->peer);

  if (name == NULL || *name == '\0')
    /* Translators: a neighbour whose name is not known yet. */
    name = _("Unknown computer");

  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->host_label, host != NULL ? host : "");
  gtk_widget_set_visible (GTK_WIDGET (self->host_label), host != NULL && *host != '\0');

  /* Who it is, as far as this computer knows: a name is only a label
   * anyone may announce; trust is what the person confirmed. */
  if (held_by != NULL && *held_by != '\0')
    {
      gtk_label_set_text (self->trust_label,
                          _("Not your trusted colleague of this name: another identity"));
      gtk_widget_add_css_class (GTK_WIDGET (self->trust_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->trust_label), "dim-label");
    }
  else
    {
      gtk_label_set_text (self->trust_label, trusted ? _("Trusted colleague") : _("Not verified"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->trust_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->trust_label), "dim-label");
    }

  if (problem != NULL && *problem != '\0')
    gtk_label_set_text (self->state_label, _("Check identity"));
  else if (online)
    gtk_label_set_text (self->state_label, _("Online"));
  else
    gtk_label_set_text (self->state_label, _("Away"));

  if (online)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "peer-online");
      gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "peer-offline");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "peer-offline");
      gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "peer-online");
    }

  label_item (self);
}

static void
peer_changed_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  update (HALLWAY_PEER_ROW (user_data));
}

static void
parent_changed_cb (HallwayPeerRow *self)
{
  label_item (self);
}

/**
 * hallway_peer_row_set_peer:
 * @self: a #HallwayPeerRow
 * @peer: (nullable): the neighbour to show from now on
 */
void
hallway_peer_row_set_peer (HallwayPeerRow   *self,
                           HallwayDBusPeer1 *peer)
{
  g_return_if_fail (HALLWAY_IS_PEER_ROW (self));
  g_return_if_fail (peer == NULL || HALLWAY_DBUS_IS_PEER1 (peer));

  if (self->peer == peer)
    return;
  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_func (self->peer, peer_changed_cb, self);
  g_set_object (&self->peer, peer);
  if (peer != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
      g_signal_connect_object (peer, shown[i], G_CALLBACK (peer_changed_cb), self, 0);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER]);
}

static void
hallway_peer_row_dispose (GObject *object)
{
  HallwayPeerRow *self = HALLWAY_PEER_ROW (object);
  GtkWidget *child;

  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_func (self->peer, peer_changed_cb, self);
  g_clear_object (&self->peer);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_PEER_ROW);
  /* The template's box is not bound to a field: a plain widget unparents
   * its children itself. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (hallway_peer_row_parent_class)->dispose (object);
}

static void
hallway_peer_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HallwayPeerRow *self = HALLWAY_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_PEER:
      g_value_set_object (value, self->peer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_peer_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  HallwayPeerRow *self = HALLWAY_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_PEER:
      hallway_peer_row_set_peer (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_peer_row_class_init (HallwayPeerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_peer_row_dispose;
  object_class->get_property = hallway_peer_row_get_property;
  object_class->set_property = hallway_peer_row_set_property;

  properties[PROP_PEER] =
    g_param_spec_object ("peer", NULL, NULL,
                         HALLWAY_DBUS_TYPE_PEER1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hallwaylan/Hallway/hallway-peer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerRow, host_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerRow, trust_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerRow, state_label);
}

static void
hallway_peer_row_init (HallwayPeerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::parent", G_CALLBACK (parent_changed_cb), NULL);
}

/**
 * hallway_peer_row_new:
 * @peer: (nullable): the neighbour to show
 */
GtkWidget *
hallway_peer_row_new (HallwayDBusPeer1 *peer)
{
  return g_object_new (HALLWAY_TYPE_PEER_ROW, "peer", peer, NULL);
}

/**
 * hallway_peer_row_get_peer:
 *
 * Returns: (transfer none) (nullable): the neighbour shown
 */
HallwayDBusPeer1 *
hallway_peer_row_get_peer (HallwayPeerRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_ROW (self), NULL);
  return self->peer;
}

/* The factory: a row per item in sight, given the item's neighbour. */

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item)
{
  gtk_list_item_set_child (item, hallway_peer_row_new (NULL));
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item)
{
  hallway_peer_row_set_peer (HALLWAY_PEER_ROW (gtk_list_item_get_child (item)),
                             gtk_list_item_get_item (item));
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item)
{
  hallway_peer_row_set_peer (HALLWAY_PEER_ROW (gtk_list_item_get_child (item)), NULL);
}

/**
 * hallway_peer_row_factory_new:
 *
 * Makes rows for a list view of #HallwayDBusPeer1. Its ::setup signal can
 * be connected to again (after) to add to each row, such as a drop target.
 *
 * Returns: (transfer full): a #GtkSignalListItemFactory
 */
GtkListItemFactory *
hallway_peer_row_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), NULL);
  return factory;
}
