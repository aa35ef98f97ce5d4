/* hallway-offer-dialog.c: "Alice wants to send you 3 files"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Asks about one incoming offer (an Offer1 object of hallwayd's): who,
 * what, how big and where it will be saved, with Decline, Save To… and
 * Accept. Up to MAX_LISTED files can be picked one by one; bigger offers
 * are taken whole. The dialog closes by itself when the offer stops being
 * pending elsewhere (it expired, the sender withdrew it, or it was
 * answered from a notification or a terminal).
 */
#include "config.h"

#include "hallway-offer-dialog.h"

#include <glib/gi18n.h>

#define MAX_LISTED 50

struct _HallwayOfferDialog
{
  AdwMessageDialog      parent_instance;

  HallwayDBusOffer1    *offer;          /* (owned) */
  char                 *folder;         /* where "Accept" saves */
  GPtrArray            *checks;         /* (element-type GtkCheckButton), one per listed file */
  GtkFileChooserNative *chooser;        /* (owned) (nullable) */
  GtkWindow            *parent_window;  /* (unowned) (nullable): for messages after closing */
  char                 *error_message;  /* the last failure, for tests */
};

G_DEFINE_FINAL_TYPE (HallwayOfferDialog, hallway_offer_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
describe_offer (HallwayDBusOffer1 *offer)
{
  GVariant *files = hallway_dbus_offer1_get_files (offer);
  guint n = files != NULL ? g_variant_n_children (files) : 0;
  g_autofree char *size = g_format_size (hallway_dbus_offer1_get_total (offer));
  const char *name = hallway_dbus_offer1_get_peer_name (offer);

  if (name == NULL || *name == '\0')
    name = _("A colleague");

  /* A name anyone could give themselves is said to be just that. */
  if (!hallway_dbus_offer1_get_trusted (offer))
    /* Translators: "Someone calling themselves Bruno Costa — not verified —
     * wants to send you 3 files (12.1 MB)". */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Someone calling themselves %s — not verified — wants "
                                         "to send you %u file (%s)",
                                         "Someone calling themselves %s — not verified — wants "
                                         "to send you %u files (%s)", n),
                            name, n, size);

  /* Translators: "Alice Martin wants to send you 3 files (12.1 MB)". */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s wants to send you %u file (%s)",
                                       "%s wants to send you %u files (%s)", n),
                          name, n, size);
}

static char *
describe_destination (HallwayOfferDialog *self)
{
  g_autofree char *base = g_path_get_basename (self->folder);
  g_autofree char *display = g_filename_display_name (base);
  GString *body = g_string_new (NULL);

  g_string_append_printf (body, _("They will be saved in “%s”."), display);
  if (!hallway_dbus_offer1_get_trusted (self->offer))
    {
      g_string_append_c (body, ' ');
      g_string_append (body, _("Only accept files you expect from this colleague."));
    }
  return g_string_free (body, FALSE);
}

static GVariant *
dup_chosen_indexes (HallwayOfferDialog *self,
                    guint              *n_chosen)
{
  GVariantBuilder builder;
  gboolean all = TRUE;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("au"));
  *n_chosen = 0;
  for (guint i = 0; i < self->checks->len; i++)
    {
      if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
        {
          g_variant_builder_add (&builder, "u", i);
          (*n_chosen)++;
        }
      else
        all = FALSE;
    }

  if (all)
    {
      /* An empty list means everything, also the files not listed. */
      g_variant_builder_clear (&builder);
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("au"));
      *n_chosen = G_MAXUINT;
    }
  return g_variant_builder_end (&builder);
}

static void
report_failure (HallwayOfferDialog *self,
                const char         *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  g_debug ("Answering an offer failed: %s", message);

  if (self->parent_window != NULL)
    {
      AdwMessageDialog *dialog =
        ADW_MESSAGE_DIALOG (adw_message_dialog_new (self->parent_window,
                                                    _("The files could not be accepted"),
                                                    message));

      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HallwayOfferDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_object_get_data (G_OBJECT (self), "declining") != NULL)
    ok = hallway_dbus_offer1_call_decline_finish (HALLWAY_DBUS_OFFER1 (source), result, &error);
  else
    ok = hallway_dbus_offer1_call_accept_finish (HALLWAY_DBUS_OFFER1 (source), result, &error);

  if (!ok)
    {
      if (g_dbus_error_is_remote_error (error))
        g_dbus_error_strip_remote_error (error);
      report_failure (self, error->message);
    }
  g_signal_emit (self, signals[ANSWERED], 0, ok);
}

static void
accept_into (HallwayOfferDialog *self,
             const char         *folder)
{
  guint n_chosen;
  GVariant *indexes = dup_chosen_indexes (self, &n_chosen);

  if (n_chosen == 0)
    {
      /* Nothing ticked is a "no". */
      g_variant_unref (g_variant_ref_sink (indexes));
      g_object_set_data (G_OBJECT (self), "declining", GINT_TO_POINTER (TRUE));
      hallway_dbus_offer1_call_decline (self->offer, NULL, answered_cb, g_object_ref (self));
      return;
    }
  hallway_dbus_offer1_call_accept (self->offer, indexes, folder, NULL,
                                   answered_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog    *chooser,
                     int                 response,
                     HallwayOfferDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        accept_into (self, path);
    }
  g_clear_object (&self->chooser);
  /* The chooser held the dialog alive after it closed. */
  g_object_unref (self);
}

static void
choose_folder (HallwayOfferDialog *self)
{
  g_autoptr(GFile) folder = g_file_new_for_path (self->folder);

  self->chooser = gtk_file_chooser_native_new (_("Save the Files In"), self->parent_window,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Save Here"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb),
                    g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
hallway_offer_dialog_response (AdwMessageDialog *dialog,
                               const char       *response)
{
  HallwayOfferDialog *self = HALLWAY_OFFER_DIALOG (dialog);

  if (g_str_equal (response, "accept"))
    accept_into (self, self->folder);
  else if (g_str_equal (response, "save-to"))
    choose_folder (self);
  else if (g_str_equal (response, "decline"))
    {
      g_object_set_data (G_OBJECT (self), "declining", GINT_TO_POINTER (TRUE));
      hallway_dbus_offer1_call_decline (self->offer, NULL, answered_cb, g_object_ref (self));
    }
  /* "later" (Escape, or the offer ended elsewhere) leaves it as it is. */
}

static void
offer_state_changed_cb (HallwayOfferDialog *self)
{
  /* Closing gives the close response, "later", which changes nothing. */
  if (g_strcmp0 (hallway_dbus_offer1_get_state (self->offer), "pending") != 0)
    gtk_window_close (GTK_WINDOW (self));
}

static void
update_accept_sensitivity (HallwayOfferDialog *self)
{
  gboolean any = self->checks->len == 0;

  for (guint i = 0; i < self->checks->len && !any; i++)
    any = gtk_check_button_get_active (g_ptr_array_index (self->checks, i));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "accept", any);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "save-to", any);
}

static GtkWidget *
build_file_list (HallwayOfferDialog *self)
{
  GVariant *files = hallway_dbus_offer1_get_files (self->offer);
  guint n = files != NULL ? g_variant_n_children (files) : 0;
  GtkWidget *list;
  GtkWidget *scrolled;

  if (n == 0)
    return NULL;
  if (n > MAX_LISTED)
    {
      /* Too many to pick one by one: say what is in it. */
      GString *text = g_string_new (NULL);

      for (guint i = 0; i < 5; i++)
        {
          const char *name;
          guint64 size;

          g_variant_get_child (files, i, "(&st)", &name, &size);
          g_string_append_printf (text, "%s\n", name);
        }
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "and %u more file",
                                                 "and %u more files", n - 5), n - 5);
      list = gtk_label_new (text->str);
      gtk_label_set_xalign (GTK_LABEL (list), 0);
      gtk_label_set_wrap (GTK_LABEL (list), TRUE);
      gtk_label_set_selectable (GTK_LABEL (list), TRUE);
      g_string_free (text, TRUE);
      return list;
    }

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Files offered"),
                                  -1);
  for (guint i = 0; i < n; i++)
    {
      const char *name;
      guint64 size;
      g_autofree char *size_text = NULL;
      AdwActionRow *row;
      GtkWidget *check;

      g_variant_get_child (files, i, "(&st)", &name, &size);
      size_text = g_format_size (size);
      row = ADW_ACTION_ROW (adw_action_row_new ());
      /* Names come from another computer: never read them as markup. */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (row, size_text);
      check = gtk_check_button_new ();
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (update_accept_sensitivity), self);
      adw_action_row_add_prefix (row, check);
      adw_action_row_set_activatable_widget (row, check);
      gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (row));
      g_ptr_array_add (self->checks, check);
    }

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  /* A message dialog gives its extra child little height; show up to
   * four files without scrolling. */
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), MIN (n, 4) * 56);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  return scrolled;
}

static void
hallway_offer_dialog_dispose (GObject *object)
{
  HallwayOfferDialog *self = HALLWAY_OFFER_DIALOG (object);

  if (self->offer != NULL)
    g_signal_handlers_disconnect_by_data (self->offer, self);
  g_clear_object (&self->offer);
  g_clear_pointer (&self->checks, g_ptr_array_unref);

  G_OBJECT_CLASS (hallway_offer_dialog_parent_class)->dispose (object);
}

static void
hallway_offer_dialog_finalize (GObject *object)
{
  HallwayOfferDialog *self = HALLWAY_OFFER_DIALOG (object);

  g_free (self->folder);
  g_free (self->error_message);

  G_OBJECT_CLASS (hallway_offer_dialog_parent_class)->finalize (object);
}

static void
hallway_offer_dialog_class_init (HallwayOfferDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = hallway_offer_dialog_dispose;
  object_class->finalize = hallway_offer_dialog_finalize;
  dialog_class->response = hallway_offer_dialog_response;

  /**
   * HallwayOfferDialog::answered:
   * @ok: whether hallwayd took the answer
   *
   * The person's answer reached hallwayd (or failed to).
   */
  signals[ANSWERED] = g_signal_new ("answered",
                                    G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
hallway_offer_dialog_init (HallwayOfferDialog *self)
{
  self->checks = g_ptr_array_new ();
}

/**
 * hallway_offer_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @offer: a pending offer
 * @folder: where Accept saves the files
 *
 * Returns: (transfer floating): the dialog, not yet shown
 */
GtkWidget *
hallway_offer_dialog_new (GtkWindow         *parent,
                          HallwayDBusOffer1 *offer,
                          const char        *folder)
{
  HallwayOfferDialog *self = g_object_new (HALLWAY_TYPE_OFFER_DIALOG,
                                           "transient-for", parent,
                                           "modal", parent != NULL,
                                           NULL);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *list;

  self->offer = g_object_ref (offer);
  self->folder = g_strdup (folder);
  self->parent_window = parent;

  heading = describe_offer (offer);
  body = describe_destination (self);
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  list = build_file_list (self);
  if (list != NULL)
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "decline", _("_Decline"),
                                    "save-to", _("_Save To…"),
                                    "accept", _("_Accept"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "accept",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "accept");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "later");

  g_signal_connect_swapped (offer, "notify::state", G_CALLBACK (offer_state_changed_cb), self);
  return GTK_WIDGET (self);
}

/* Ticks or unticks the @index-th listed file, as a person would. */
void
hallway_offer_dialog_set_file_chosen (HallwayOfferDialog *self,
                                      guint               index,
                                      gboolean            chosen)
{
  g_return_if_fail (HALLWAY_IS_OFFER_DIALOG (self));
  g_return_if_fail (index < self->checks->len);

  gtk_check_button_set_active (g_ptr_array_index (self->checks, index), chosen);
}

const char *
hallway_offer_dialog_get_error (HallwayOfferDialog *self)
{
  g_return_val_if_fail (HALLWAY_IS_OFFER_DIALOG (self), NULL);

  return self->error_message;
}
