/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-doctor-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

/* "Can't find someone?": hallwayd's checks (Daemon1.Diagnose, the same as
 * hallwayctl doctor), shown as a list of findings with what to do. */
struct _HallwayDoctorPage
{
  GtkBox              parent_instance;

  HallwayDBusDaemon1 *daemon;       /* (owned) (nullable) */
  GCancellable       *cancellable;  /* (owned) (nullable) the check under way */

  AdwEntryRow        *target_entry;
  GtkButton          *check_button;
  GtkSpinner         *spinner;
  GtkLabel           *summary_label;
  GtkListBox         *results;
};

G_DEFINE_FINAL_TYPE (HallwayDoctorPage, hallway_doctor_page, GTK_TYPE_BOX)

/* The checks listen for answers and try connections for a few seconds. */
#define DIAGNOSE_TIMEOUT_MS 60000

typedef struct
{
  const char *verdict;
  const char *icon;
  const char *style;
  const char *words;
} Verdict;

static const Verdict *
lookup_verdict (const char *verdict)
{
  static const Verdict verdicts[] = {
    /* Translators: said before a finding, for screen readers. */
    { "ok", "emblem-ok-symbolic", "success", N_("Fine") },
    { "problem", "dialog-error-symbolic", "error", N_("Problem") },
    { "likely", "dialog-warning-symbolic", "warning", N_("Probable problem") },
    { "info", "dialog-information-symbolic", "dim-label", N_("Note") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (verdicts); i++)
    if (g_str_equal (verdicts[i].verdict, verdict))
      return &verdicts[i];
  return &verdicts[3];
}

static GtkWidget *
finding_row_new (const char *verdict,
                 const char *message,
                 const char *fix)
{
  const Verdict *v = lookup_verdict (verdict);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (v->icon);
  g_autofree char *description = NULL;

  /* Messages quote names and rules: plain text, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (*fix != '\0')
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), fix);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
    }
  gtk_widget_add_css_class (icon, v->style);
  gtk_widget_set_tooltip_text (icon, _(v->words));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  description = g_strdup_printf ("%s. %s", _(v->words), fix);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  g_object_set_data_full (G_OBJECT (row), "hallway-verdict", g_strdup (verdict), g_free);
  return row;
}

static void
set_running (HallwayDoctorPage *self,
             gboolean           running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);
  /* The entry keeps the focus (and its text) while the checks run. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), !running);
}

static void
clear_results (HallwayDoctorPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results))) != NULL)
    gtk_list_box_remove (self->results, child);
}

static void
diagnosed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HallwayDoctorPage *self;
  g_autoptr(GVariant) findings = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *check, *verdict, *message, *fix;
  guint problems = 0;

  if (!hallway_dbus_daemon1_call_diagnose_finish (HALLWAY_DBUS_DAEMON1 (source), &findings,
                                                  result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = HALLWAY_DOCTOR_PAGE (user_data);
  g_clear_object (&self->cancellable);
  set_running (self, FALSE);
  clear_results (self);

  if (findings == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      gtk_list_box_append (self->results, finding_row_new ("problem", error->message, ""));
      gtk_label_set_text (self->summary_label, _("The checks could not run"));
    }
  else
    {
      g_variant_iter_init (&iter, findings);
      while (g_variant_iter_next (&iter, "(&s&s&s&s)", &check, &verdict, &message, &fix))
        {
          if (g_str_equal (verdict, "problem") || g_str_equal (verdict, "likely"))
            problems++;
          gtk_list_box_append (self->results, finding_row_new (verdict, message, fix));
        }
      if (problems == 0)
        gtk_label_set_text (self->summary_label, _("No problem found"));
      else
        {
          g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                "%u problem found",
                                                                "%u problems found",
                                                                problems), problems);

          gtk_label_set_text (self->summary_label, text);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->results), TRUE);
}

/**
 * hallway_doctor_page_check:
 * @self: a #HallwayDoctorPage
 * @target: (nullable): a colleague's name or an address, or %NULL for what
 *   the entry says
 *
 * Runs the checks; the results replace the previous ones.
 */
void
hallway_doctor_page_check (HallwayDoctorPage *self,
                           const char        *target)
{
  g_autofree char *text = NULL;

  g_return_if_fail (HALLWAY_IS_DOCTOR_PAGE (self));

  if (self->daemon == NULL || self->cancellable != NULL)
    return;
  if (target != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->target_entry), target);
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->target_entry))));

  self->cancellable = g_cancellable_new ();
  set_running (self, TRUE);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->daemon), DIAGNOSE_TIMEOUT_MS);
  hallway_dbus_daemon1_call_diagnose (self->daemon, text, self->cancellable, diagnosed_cb, self);
}

static void
check_clicked_cb (HallwayDoctorPage *self)
{
  hallway_doctor_page_check (self, NULL);
}

/**
 * hallway_doctor_page_set_daemon:
 * @self: a #HallwayDoctorPage
 * @daemon: (nullable): hallwayd, or %NULL when it is gone
 */
void
hallway_doctor_page_set_daemon (HallwayDoctorPage  *self,
                                HallwayDBusDaemon1 *daemon)
{
  g_return_if_fail (HALLWAY_IS_DOCTOR_PAGE (self));

  if (self->daemon == daemon)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_running (self, FALSE);
  g_set_object (&self->daemon, daemon);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), daemon != NULL);
}

gboolean
hallway_doctor_page_get_running (HallwayDoctorPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_DOCTOR_PAGE (self), FALSE);
  return self->cancellable != NULL;
}

/**
 * hallway_doctor_page_get_results:
 *
 * Returns: (transfer none): the list of findings, one AdwActionRow each
 */
GtkListBox *
hallway_doctor_page_get_results (HallwayDoctorPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_DOCTOR_PAGE (self), NULL);
  return self->results;
}

static void
hallway_doctor_page_dispose (GObject *object)
{
  HallwayDoctorPage *self = HALLWAY_DOCTOR_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->daemon);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_DOCTOR_PAGE);

  G_OBJECT_CLASS (hallway_doctor_page_parent_class)->dispose (object);
}

static void
hallway_doctor_page_class_init (HallwayDoctorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_doctor_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hallwaylan/Hallway/"
                                               "hallway-doctor-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayDoctorPage, target_entry);
  gtk_widget_class_bind_template_child (widget_class, HallwayDoctorPage, check_button);
  gtk_widget_class_bind_template_child (widget_class, HallwayDoctorPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, HallwayDoctorPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayDoctorPage, results);
  gtk_widget_class_bind_template_callback (widget_class, check_clicked_cb);
}

static void
hallway_doctor_page_init (HallwayDoctorPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), FALSE);
}
