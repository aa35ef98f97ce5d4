/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-peer-row.h"

#include <adwaita.h>
#include <glib/gi18n.h>

struct _HallwayPeerRow
{
  GtkListBoxRow     parent_instance;

  HallwayDBusPeer1 *peer;          /* (owned) */

  AdwAvatar        *avatar;
  GtkLabel         *name_label;
  GtkLabel         *host_label;
  GtkLabel         *trust_label;
  GtkLabel         *state_label;
};

G_DEFINE_FINAL_TYPE (HallwayPeerRow, hallway_peer_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_PEER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HallwayPeerRow *self)
{
  const char *name = hallway_dbus_peer1_get_name (self->peer);
  const char *host = hallway_dbus_peer1_get_host (self->peer);
  gboolean online = hallway_dbus_peer1_get_online (self->peer);
  const char *problem = hallway_dbus_peer1_get_problem (self->peer);
  const char *held_by = hallway_dbus_peer1_get_name_held_by (self->peer);
  gboolean trusted = hallway_dbus_peer1_get_trusted (self->peer);
  g_autofree char *description = NULL;

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

  /* Translators: a neighbour's state and trust, for screen readers:
   * "Online, Trusted colleague". */
  description = g_strdup_printf (_("%s, %s"), gtk_label_get_text (self->state_label),
                                 gtk_label_get_text (self->trust_label));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
peer_changed_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  update (HALLWAY_PEER_ROW (user_data));
}

static void
hallway_peer_row_constructed (GObject *object)
{
  static const char * const shown[] = {
    "notify::name", "notify::host", "notify::online", "notify::problem", "notify::trusted",
    "notify::name-held-by",
  };
  HallwayPeerRow *self = HALLWAY_PEER_ROW (object);

  G_OBJECT_CLASS (hallway_peer_row_parent_class)->constructed (object);

  g_assert (self->peer != NULL);
  /* Only what the row shows: a neighbour's other properties (when it was
   * last seen, what it shares) change on their own and often. */
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    g_signal_connect_object (self->peer, shown[i], G_CALLBACK (peer_changed_cb), self, 0);
  update (self);
}

static void
hallway_peer_row_dispose (GObject *object)
{
  HallwayPeerRow *self = HALLWAY_PEER_ROW (object);

  g_clear_object (&self->peer);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_PEER_ROW);

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
      self->peer = g_value_dup_object (value);
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

  object_class->constructed = hallway_peer_row_constructed;
  object_class->dispose = hallway_peer_row_dispose;
  object_class->get_property = hallway_peer_row_get_property;
  object_class->set_property = hallway_peer_row_set_property;

  properties[PROP_PEER] =
    g_param_spec_object ("peer", NULL, NULL,
                         HALLWAY_DBUS_TYPE_PEER1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

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
}

GtkWidget *
hallway_peer_row_new (HallwayDBusPeer1 *peer)
{
  return g_object_new (HALLWAY_TYPE_PEER_ROW, "peer", peer, NULL);
}

HallwayDBusPeer1 *
hallway_peer_row_get_peer (HallwayPeerRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_ROW (self), NULL);
  return self->peer;
}
