/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-peer-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hallway-folder-view.h"
#include "hallway-printer-row.h"
#include "hallway-send.h"
#include "hallway-window.h"

struct _HallwayPeerPage
{
  GtkBox              parent_instance;

  HallwayDBusPeer1   *peer;         /* (owned) (nullable) */
  HallwayDBusDaemon1 *daemon;       /* (owned) (nullable) */
  GDBusObjectManager *manager;      /* (owned) (nullable) for the neighbour's printers */
  GCancellable       *cancellable;  /* (owned) cancelled in dispose and on a new peer */

  GtkStack           *stack;
  AdwAvatar          *avatar;
  GtkLabel           *name_label;
  GtkLabel           *details_label;
  GtkButton          *trust_button;
  GtkButton          *send_button;
  GtkWidget          *problem_box;
  GtkLabel           *problem_title;
  GtkLabel           *problem_label;
  GtkListBox         *folders;
  GtkWidget          *no_folders_label;
  GtkWidget          *printers_heading;
  GtkListBox         *printers;
  HallwayFolderView  *folder_view;
};

G_DEFINE_FINAL_TYPE (HallwayPeerPage, hallway_peer_page, GTK_TYPE_BOX)

static const char *
describe_access (const char *access,
                 const char *audience)
{
  if (g_strcmp0 (access, "read-write") == 0)
    return _("You can open and change files");
  if (g_strcmp0 (access, "drop-box") == 0)
    return _("You can put files in it");
  if (g_strcmp0 (audience, "password") == 0)
    return _("You can open files, with a password");
  return _("You can open files");
}

static void
update_folders (HallwayPeerPage *self)
{
  GVariant *folders;
  GVariantIter iter;
  const char *id, *name, *access, *audience;
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folders))) != NULL)
    gtk_list_box_remove (self->folders, child);

  folders = self->peer != NULL ? hallway_dbus_peer1_get_shared_folders (self->peer) : NULL;
  if (folders != NULL)
    {
      g_variant_iter_init (&iter, folders);
      while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
        {
          GtkWidget *row = adw_action_row_new ();
          GtkWidget *icon = gtk_image_new_from_icon_name ("folder-remote-symbolic");
          GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), describe_access (access, audience));
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
          g_object_set_data_full (G_OBJECT (row), "share", g_strdup (name), g_free);
          gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          gtk_list_box_append (self->folders, row);
          n++;
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->folders), n > 0);
  gtk_widget_set_visible (self->no_folders_label, n == 0);
}

/* The neighbour's printers, from the daemon's Printer1 objects. */
static void
update_printers (HallwayPeerPage *self)
{
  GList *objects = NULL;
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->printers))) != NULL)
    gtk_list_box_remove (self->printers, child);

  if (self->manager != NULL && self->peer != NULL)
    objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(HallwayDBusPrinter1) printer =
        hallway_dbus_object_get_printer1 (HALLWAY_DBUS_OBJECT (l->data));

      if (printer == NULL || hallway_dbus_printer1_get_local (printer) ||
          g_strcmp0 (hallway_dbus_printer1_get_peer (printer),
                     hallway_dbus_peer1_get_id (self->peer)) != 0)
        continue;
      gtk_list_box_append (self->printers,
                           hallway_printer_row_new (printer,
                                                    hallway_dbus_peer1_get_name (self->peer)));
      n++;
    }
  g_list_free_full (objects, g_object_unref);
  gtk_widget_set_visible (GTK_WIDGET (self->printers), n > 0);
  gtk_widget_set_visible (self->printers_heading, n > 0);
}

static void
printer_objects_changed_cb (GDBusObjectManager *manager,
                            GDBusObject        *object,
                            HallwayPeerPage    *self)
{
  g_autoptr(HallwayDBusPrinter1) printer =
    hallway_dbus_object_get_printer1 (HALLWAY_DBUS_OBJECT (object));

  if (printer != NULL)
    update_printers (self);
}

static void
update (HallwayPeerPage *self)
{
  const char *name, *host, *problem;
  gboolean online, trusted;
  g_autofree char *details = NULL;

  if (self->peer == NULL)
    return;

  name = hallway_dbus_peer1_get_name (self->peer);
  host = hallway_dbus_peer1_get_host (self->peer);
  problem = hallway_dbus_peer1_get_problem (self->peer);
  online = hallway_dbus_peer1_get_online (self->peer);
  trusted = hallway_dbus_peer1_get_trusted (self->peer);

  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_text (self->name_label, name != NULL ? name : "");

  details = g_strdup_printf ("%s%s%s%s%s",
                             host != NULL && *host != '\0' ? host : "",
                             host != NULL && *host != '\0' ? " · " : "",
                             online ? _("Online") : _("Away"),
                             trusted ? " · " : "",
                             trusted ? _("Trusted") : "");
  gtk_label_set_text (self->details_label, details);

  gtk_button_set_label (self->trust_button, trusted ? _("Stop Trusting") : _("Trust…"));

  if (problem != NULL && *problem != '\0')
    {
      const char *message = hallway_dbus_peer1_get_problem_message (self->peer);

      if (g_str_equal (problem, "identity-changed"))
        gtk_label_set_text (self->problem_title, _("This computer is not the one you trusted"));
      else
        gtk_label_set_text (self->problem_title, _("This computer may not be who it says"));
      gtk_label_set_text (self->problem_label, message != NULL && *message != '\0' ? message
                          : _("Ask your colleague whether they changed computers. Until then, "
                              "Hallway does not open their folders."));
      gtk_widget_set_visible (self->problem_box, TRUE);
    }
  else
    {
      gtk_widget_set_visible (self->problem_box, FALSE);
    }

  update_folders (self);
  update_printers (self);
  /* The daemon opens nothing of a computer whose identity is in doubt. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->folders), problem == NULL || *problem == '\0');
  /* Nor sends anything to it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            online && hallway_dbus_peer1_get_accepts_drops (self->peer) &&
                            (problem == NULL || *problem == '\0'));
}

static void
peer_changed_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  update (HALLWAY_PEER_PAGE (user_data));
}

static void
trust_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_object_get_data (G_OBJECT (source), "hallway-untrust"))
    ok = hallway_dbus_peer1_call_untrust_finish (HALLWAY_DBUS_PEER1 (source), result, &error);
  else
    ok = hallway_dbus_peer1_call_trust_finish (HALLWAY_DBUS_PEER1 (source), result, &error);
  g_object_set_data (G_OBJECT (source), "hallway-untrust", NULL);

  if (!ok)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      /* Translators: %s says why. */
      message = g_strdup_printf (_("Could not change trust: %s"), error->message);
      hallway_window_toast (GTK_WIDGET (user_data), message);
    }
}

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   HallwayPeerPage  *self)
{
  if (g_strcmp0 (response, "trust") != 0 || self->peer == NULL)
    return;
  hallway_dbus_peer1_call_trust (self->peer, self->cancellable, trust_done_cb, self);
}

static GtkWidget *
code_box (const char *title,
          const char *code)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *value = gtk_label_new (code != NULL && *code != '\0' ? code : "—");

  gtk_widget_add_css_class (heading, "dim-label");
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_widget_add_css_class (value, "verification-code");
  gtk_widget_set_hexpand (box, TRUE);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), value);
  return box;
}

/**
 * hallway_peer_page_show_trust_dialog:
 *
 * Returns: (transfer none): the dialog, presented
 */
GtkWidget *
hallway_peer_page_show_trust_dialog (HallwayPeerPage *self)
{
  GtkWidget *dialog;
  GtkWidget *codes;
  GtkRoot *root;
  const char *name;

  g_return_val_if_fail (HALLWAY_IS_PEER_PAGE (self), NULL);
  g_return_val_if_fail (self->peer != NULL, NULL);

  name = hallway_dbus_peer1_get_name (self->peer);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL,
                                   _("Check that both computers show the same codes. Ask your "
                                     "colleague to read theirs out, in person or on the phone."));
  /* Translators: %s is a colleague's name. */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Trust %s?"), name);

  codes = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  gtk_box_set_homogeneous (GTK_BOX (codes), TRUE);
  gtk_box_append (GTK_BOX (codes),
                  code_box (_("This computer"),
                            self->daemon != NULL
                            ? hallway_dbus_daemon1_get_verification_code (self->daemon) : NULL));
  gtk_box_append (GTK_BOX (codes),
                  code_box (name, hallway_dbus_peer1_get_verification_code (self->peer)));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), codes);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", _("_Trust"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (trust_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
trust_clicked_cb (HallwayPeerPage *self)
{
  if (self->peer == NULL)
    return;
  if (hallway_dbus_peer1_get_trusted (self->peer))
    {
      g_object_set_data (G_OBJECT (self->peer), "hallway-untrust", GINT_TO_POINTER (TRUE));
      hallway_dbus_peer1_call_untrust (self->peer, self->cancellable, trust_done_cb, self);
      return;
    }
  hallway_peer_page_show_trust_dialog (self);
}

void
hallway_peer_page_open_folder (HallwayPeerPage *self,
                               const char      *share)
{
  g_return_if_fail (HALLWAY_IS_PEER_PAGE (self));

  hallway_folder_view_set_location (self->folder_view, self->peer, share, "");
  gtk_stack_set_visible_child_name (self->stack, "folder");
}

static void
folder_activated_cb (GtkListBox      *box,
                     GtkListBoxRow   *row,
                     HallwayPeerPage *self)
{
  hallway_peer_page_open_folder (self, g_object_get_data (G_OBJECT (row), "share"));
}

static void
send_clicked_cb (HallwayPeerPage *self)
{
  hallway_send_choose_files (self->daemon, self->peer, GTK_WIDGET (self));
}

static gboolean
drop_cb (GtkDropTarget   *target,
         const GValue    *value,
         double           x,
         double           y,
         HallwayPeerPage *self)
{
  return hallway_send_drop (self->daemon, self->peer, value, GTK_WIDGET (self));
}

static void
back_clicked_cb (HallwayPeerPage *self)
{
  hallway_folder_view_set_location (self->folder_view, NULL, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, "overview");
}

static void
hallway_peer_page_dispose (GObject *object)
{
  HallwayPeerPage *self = HALLWAY_PEER_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_data (self->peer, self);
  g_clear_object (&self->peer);
  g_clear_object (&self->daemon);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_PEER_PAGE);

  G_OBJECT_CLASS (hallway_peer_page_parent_class)->dispose (object);
}

static void
hallway_peer_page_class_init (HallwayPeerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_peer_page_dispose;

  g_type_ensure (HALLWAY_TYPE_FOLDER_VIEW);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hallwaylan/Hallway/hallway-peer-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, details_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, trust_button);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, send_button);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, problem_box);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, problem_title);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, problem_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, folders);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, no_folders_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, printers_heading);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, printers);
  gtk_widget_class_bind_template_child (widget_class, HallwayPeerPage, folder_view);
  gtk_widget_class_bind_template_callback (widget_class, trust_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, send_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
}

static void
hallway_peer_page_init (HallwayPeerPage *self)
{
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  /* Files dropped on the neighbour's overview are offered to them; a
   * writable folder view takes its own drops first. */
  target = hallway_send_drop_target_new ();
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (gtk_stack_get_child_by_name (self->stack, "overview"),
                             GTK_EVENT_CONTROLLER (target));
}

GtkWidget *
hallway_peer_page_new (void)
{
  return g_object_new (HALLWAY_TYPE_PEER_PAGE, NULL);
}

void
hallway_peer_page_set_peer (HallwayPeerPage  *self,
                            HallwayDBusPeer1 *peer)
{
  g_return_if_fail (HALLWAY_IS_PEER_PAGE (self));

  if (self->peer == peer)
    return;
  if (self->peer != NULL)
    g_signal_handlers_disconnect_by_data (self->peer, self);
  g_set_object (&self->peer, peer);
  if (peer != NULL)
    g_signal_connect (peer, "notify", G_CALLBACK (peer_changed_cb), self);
  back_clicked_cb (self);
  update (self);
}

HallwayDBusPeer1 *
hallway_peer_page_get_peer (HallwayPeerPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_PAGE (self), NULL);
  return self->peer;
}

void
hallway_peer_page_set_daemon (HallwayPeerPage    *self,
                              HallwayDBusDaemon1 *daemon)
{
  g_return_if_fail (HALLWAY_IS_PEER_PAGE (self));
  g_set_object (&self->daemon, daemon);
}

/* Where the neighbours' printers come from. */
void
hallway_peer_page_set_manager (HallwayPeerPage    *self,
                               GDBusObjectManager *manager)
{
  g_return_if_fail (HALLWAY_IS_PEER_PAGE (self));

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_set_object (&self->manager, manager);
  if (manager != NULL)
    {
      g_signal_connect (manager, "object-added", G_CALLBACK (printer_objects_changed_cb), self);
      g_signal_connect (manager, "object-removed", G_CALLBACK (printer_objects_changed_cb), self);
    }
  update_printers (self);
}

GtkListBox *
hallway_peer_page_get_folders (HallwayPeerPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_PAGE (self), NULL);
  return self->folders;
}

GtkWidget *
hallway_peer_page_get_folder_view (HallwayPeerPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_PAGE (self), NULL);
  return GTK_WIDGET (self->folder_view);
}
