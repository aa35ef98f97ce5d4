/* hallway-daemon-printers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The person's printers are their CUPS queues: CUPS keeps every setting,
 * Hallway only remembers which ones are shared, in
 * $XDG_CONFIG_HOME/hallway/printers.ini (0600). The queues are read from
 * the user's cupsd (CUPS_SERVER, ~/.cups/client.conf or the default socket)
 * in a worker thread every few seconds, so a queue's state changes reach
 * its announcement without ever blocking the main loop on cupsd.
 *
 * A shared queue is served by the printer gateway (hallway-daemon-ipp.c) at
 * /ipp/print/<id> and announced as an IPP Everywhere printer. Neighbours'
 * printers come from their /api/v1/info and are listed next to the local
 * ones, with Local=false.
 */
#include "config.h"

#include "hallway-daemon-printers.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <cups/cups.h>

#include "hallway-daemon-print.h"
#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-ipp.h"
#include "hallway-txt.h"

#define CONFIG_GROUP     "printers"
#define CONFIG_KEY       "shared"
#define DNSSD_KEY_PREFIX "printer:"
#define MAX_INSTANCE_NAME 63

typedef struct
{
  HallwayDaemonPrinters     *owner;   /* (unowned) */
  char                      *queue;
  char                      *id;
  ipp_t                     *attrs;   /* (owned) */
  HallwayDBusObjectSkeleton *object;
  HallwayDBusPrinter1       *iface;
  GStrv                      txt;     /* as announced, or NULL */
  char                      *instance; /* the name asked for, as announced */
  gboolean                   universal;
} LocalPrinter;

struct _HallwayDaemonPrinters
{
  GObject                   parent_instance;

  GDBusObjectManagerServer *manager;
  HallwayDaemonIpp         *ipp;
  HallwayDnssd             *dnssd;       /* (nullable) */
  char                     *config_path;
  char                     *owner_name;
  char                     *host;
  GHashTable               *shared;      /* queue names (set) */
  GHashTable               *local;       /* queue → LocalPrinter */
  GHashTable               *remote;      /* "peer/id" → HallwayDBusObjectSkeleton */
  GCancellable             *cancellable;
  guint                     poll_id;
  gboolean                  polling;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonPrinters, hallway_daemon_printers, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const requested_attributes[] = {
  "printer-name",
  "printer-info",
  "printer-location",
  "printer-make-and-model",
  "printer-state",
  "printer-uuid",
  "printer-type",
  "printer-is-temporary",
  "printer-kind",
  "document-format-supported",
  "urf-supported",
  "color-supported",
  "sides-supported",
};

static void
local_printer_free (gpointer data)
{
  LocalPrinter *printer = data;
  HallwayDaemonPrinters *self = printer->owner;

  if (self->dnssd != NULL && printer->txt != NULL)
    {
      g_autofree char *key = g_strconcat (DNSSD_KEY_PREFIX, printer->id, NULL);

      hallway_dnssd_unpublish (self->dnssd, key);
    }
  if (self->ipp != NULL)
    hallway_daemon_ipp_remove_printer (self->ipp, printer->id);
  if (printer->object != NULL && self->manager != NULL)
    {
      GDBusObject *object = G_DBUS_OBJECT (printer->object);

      g_dbus_object_manager_server_unexport (self->manager, g_dbus_object_get_object_path (object));
    }
  g_clear_object (&printer->object);
  g_clear_object (&printer->iface);
  g_clear_pointer (&printer->attrs, ippDelete);
  g_strfreev (printer->txt);
  g_free (printer->instance);
  g_free (printer->queue);
  g_free (printer->id);
  g_free (printer);
}

static const char *
state_to_string (int state)
{
  switch (state)
    {
    case IPP_PSTATE_IDLE:
      return "idle";
    case IPP_PSTATE_PROCESSING:
      return "processing";
    case IPP_PSTATE_STOPPED:
      return "stopped";
    default:
      return "unknown";
    }
}

/* The id colleagues see in /ipp/print/<id>: the queue name when it is
 * URL-safe (almost always), else a stable digest of it. */
static char *
id_for_queue (const char *queue)
{
  g_autofree char *digest = NULL;

  if (hallway_info_printer_id_is_valid (queue))
    return g_strdup (queue);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, queue, -1);
  return g_strdup_printf ("printer-%.16s", digest);
}

static char *
dup_attr (LocalPrinter *printer,
          const char   *name)
{
  char *value = hallway_ipp_dup_string (printer->attrs, name);

  return value != NULL ? value : g_strdup ("");
}

static char *
printer_uri (HallwayDaemonPrinters *self,
             const char            *id)
{
  return g_strdup_printf ("ipp://%s.local:%u/ipp/print/%s", self->host,
                          hallway_daemon_ipp_get_port (self->ipp), id);
}

static gboolean
save (HallwayDaemonPrinters  *self,
      GError                **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GPtrArray) queues = g_ptr_array_new ();
  g_autofree char *dir = g_path_get_dirname (self->config_path);
  g_autofree char *data = NULL;
  GHashTableIter iter;
  gpointer key;
  gsize length;

  g_hash_table_iter_init (&iter, self->shared);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (queues, key);
  g_ptr_array_sort (queues, (GCompareFunc) g_strcmp0);
  g_key_file_set_string_list (keyfile, CONFIG_GROUP, CONFIG_KEY,
                              (const char * const *) queues->pdata, queues->len);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not save the list of shared printers: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  data = g_key_file_to_data (keyfile, &length, NULL);
  return g_file_set_contents_full (self->config_path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * hallway_daemon_printers_load:
 * @self: a #HallwayDaemonPrinters
 * @error: return location for a #GError
 *
 * Reads which queues are shared. A missing file means none.
 *
 * Returns: whether the file could be read
 */
gboolean
hallway_daemon_printers_load (HallwayDaemonPrinters  *self,
                              GError                **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) queues = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PRINTERS (self), FALSE);

  g_hash_table_remove_all (self->shared);
  if (!g_key_file_load_from_file (keyfile, self->config_path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not read the list of shared printers: %s"), local_error->message);
      return FALSE;
    }

  queues = g_key_file_get_string_list (keyfile, CONFIG_GROUP, CONFIG_KEY, NULL, NULL);
  for (guint i = 0; queues != NULL && queues[i] != NULL; i++)
    if (*queues[i] != '\0' && strlen (queues[i]) < 128 &&
        g_hash_table_size (self->shared) < HALLWAY_MAX_LOCAL_PRINTERS)
      g_hash_table_add (self->shared, g_strdup (queues[i]));
  return TRUE;
}

static void
announce (HallwayDaemonPrinters *self,
          LocalPrinter          *printer)
{
  gboolean shared = g_hash_table_contains (self->shared, printer->queue);
  g_autofree char *key = g_strconcat (DNSSD_KEY_PREFIX, printer->id, NULL);
  g_autofree char *rp = NULL;
  g_autofree char *admin_url = NULL;
  g_autofree char *description = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) txt = NULL;
  gboolean universal;

  if (!shared || self->dnssd == NULL || hallway_daemon_ipp_get_port (self->ipp) == 0)
    {
      if (printer->txt != NULL && self->dnssd != NULL)
        hallway_dnssd_unpublish (self->dnssd, key);
      g_clear_pointer (&printer->txt, g_strfreev);
      g_clear_pointer (&printer->instance, g_free);
      return;
    }

  rp = g_strdup_printf ("ipp/print/%s", printer->id);
  admin_url = g_strdup_printf ("http://%s.local:%u/", self->host,
                               hallway_daemon_ipp_get_port (self->ipp));
  txt = hallway_ipp_build_txt (printer->attrs, rp, admin_url, &universal);
  description = dup_attr (printer, "printer-info");
  /* Translators: the name of a shared printer on the network, as seen in
   * print dialogs: "Office printer @ Alice Martin on reception-pc". %1$s is
   * the printer's description, %2$s the person's display name. */
  instance = g_strdup_printf (_("%1$s @ %2$s"), *description != '\0' ? description : printer->queue,
                              self->owner_name);
  name = hallway_utf8_truncate (instance, MAX_INSTANCE_NAME);

  if (printer->txt != NULL && universal == printer->universal &&
      g_strcmp0 (name, printer->instance) == 0)
    {
      /* Only the TXT changed (state, location): update it in place. */
      if (!g_strv_equal ((const char * const *) txt, (const char * const *) printer->txt))
        {
          hallway_dnssd_update_txt (self->dnssd, key, (const char * const *) txt);
          g_strfreev (printer->txt);
          printer->txt = g_steal_pointer (&txt);
        }
      return;
    }

  /* New, renamed, or with other subtypes: announced afresh. */
  hallway_dnssd_publish_printer (self->dnssd, key, name, hallway_daemon_ipp_get_port (self->ipp),
                                 (const char * const *) txt, universal);
  g_strfreev (printer->txt);
  printer->txt = g_steal_pointer (&txt);
  g_free (printer->instance);
  printer->instance = g_steal_pointer (&name);
  printer->universal = universal;
}

static void
update_local (HallwayDaemonPrinters *self,
              LocalPrinter          *printer)
{
  gboolean shared = g_hash_table_contains (self->shared, printer->queue);
  g_autofree char *info = dup_attr (printer, "printer-info");
  g_autofree char *location = dup_attr (printer, "printer-location");
  g_autofree char *make = dup_attr (printer, "printer-make-and-model");
  g_autofree char *uuid = dup_attr (printer, "printer-uuid");
  g_autofree char *uri = shared ? printer_uri (self, printer->id) : g_strdup ("");
  ipp_attribute_t *state = ippFindAttribute (printer->attrs, "printer-state", IPP_TAG_ENUM);

  hallway_dbus_printer1_set_id (printer->iface, printer->id);
  hallway_dbus_printer1_set_name (printer->iface, printer->queue);
  hallway_dbus_printer1_set_description (printer->iface, *info != '\0' ? info : printer->queue);
  hallway_dbus_printer1_set_location (printer->iface, location);
  hallway_dbus_printer1_set_make_and_model (printer->iface, make);
  hallway_dbus_printer1_set_state (printer->iface,
                                   state_to_string (state != NULL ? ippGetInteger (state, 0) : 0));
  hallway_dbus_printer1_set_shared (printer->iface, shared);
  hallway_dbus_printer1_set_local (printer->iface, TRUE);
  hallway_dbus_printer1_set_peer (printer->iface, "");
  hallway_dbus_printer1_set_uri (printer->iface, uri);
  hallway_dbus_printer1_set_uuid (printer->iface,
                                  g_str_has_prefix (uuid, "urn:uuid:") ? uuid + 9 : uuid);

  if (shared)
    hallway_daemon_ipp_add_printer (self->ipp, printer->id, printer->queue);
  else
    hallway_daemon_ipp_remove_printer (self->ipp, printer->id);
  announce (self, printer);
}

static gboolean
set_shared (HallwayDaemonPrinters  *self,
            LocalPrinter           *printer,
            gboolean                shared,
            GError                **error)
{
  if (shared == g_hash_table_contains (self->shared, printer->queue))
    return TRUE;
  if (shared)
    {
      if (g_hash_table_size (self->shared) >= HALLWAY_MAX_LOCAL_PRINTERS)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                       _("You can share at most %u printers"), HALLWAY_MAX_LOCAL_PRINTERS);
          return FALSE;
        }
      g_hash_table_add (self->shared, g_strdup (printer->queue));
    }
  else
    g_hash_table_remove (self->shared, printer->queue);

  if (!save (self, error))
    {
      /* Nothing changes that could not be remembered. */
      if (shared)
        g_hash_table_remove (self->shared, printer->queue);
      else
        g_hash_table_add (self->shared, g_strdup (printer->queue));
      return FALSE;
    }

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_PRINTER", printer->queue,
                    "MESSAGE", "Printer ‘%s’ is %s", printer->queue,
                    shared ? "shared" : "no longer shared");
  update_local (self, printer);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static gboolean
handle_share_cb (HallwayDBusPrinter1   *iface,
                 GDBusMethodInvocation *invocation,
                 LocalPrinter          *printer)
{
  g_autoptr(GError) error = NULL;
  gboolean share = g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "Share");

  if (!set_shared (printer->owner, printer, share, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  if (share)
    hallway_dbus_printer1_complete_share (iface, invocation);
  else
    hallway_dbus_printer1_complete_unshare (iface, invocation);
  return TRUE;
}

static gboolean
handle_remote_cb (HallwayDBusPrinter1   *iface,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                                         _("Only the printers of this computer can be shared "
                                           "or unshared"));
  return TRUE;
}

/* Printing, on any printer: through this computer's CUPS, in worker
 * threads (hallway-daemon-print.c). */

/* How a neighbour's printer is announced, to find it in CUPS by name
 * when its UUID does not do. */
#define INSTANCE_KEY "hallway-instance"

typedef struct
{
  HallwayDBusPrinter1   *iface;       /* (owned) */
  GDBusMethodInvocation *invocation;  /* (owned) */
} Call;

static Call *
call_new (HallwayDBusPrinter1   *iface,
          GDBusMethodInvocation *invocation)
{
  Call *call = g_new0 (Call, 1);

  call->iface = g_object_ref (iface);
  call->invocation = g_object_ref (invocation);
  return call;
}

/* Answering the call hands the invocation over; one not answered is
 * dropped here. */
static void
call_free (Call *call)
{
  g_clear_object (&call->iface);
  g_clear_object (&call->invocation);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* A printer of this computer is its queue; a neighbour's, what CUPS
 * finds of its announcement. */
static void
get_target (HallwayDBusPrinter1      *iface,
            LocalPrinter             *local,
            HallwayDaemonPrintTarget *out)
{
  memset (out, 0, sizeof *out);
  if (local != NULL)
    out->queue = local->queue;
  else
    {
      out->uuid = hallway_dbus_printer1_get_uuid (iface);
      out->instance = g_object_get_data (G_OBJECT (iface), INSTANCE_KEY);
    }
}

static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;
  guint job = hallway_daemon_print_file_finish (result, &error);

  if (job == 0)
    {
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&call->invocation), error);
      return;
    }
  g_debug ("Printer ‘%s’ took job %u", hallway_dbus_printer1_get_id (call->iface), job);
  hallway_dbus_printer1_complete_print (call->iface, g_steal_pointer (&call->invocation), job);
}

static gboolean
handle_print_cb (HallwayDBusPrinter1   *iface,
                 GDBusMethodInvocation *invocation,
                 const char            *path,
                 const char            *title,
                 LocalPrinter          *local)
{
  HallwayDaemonPrintTarget target;

  if (!g_path_is_absolute (path) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not a file on this computer"), path);
      return TRUE;
    }
  get_target (iface, local, &target);
  hallway_daemon_print_file_async (&target, path, title, printed_cb, call_new (iface, invocation));
  return TRUE;
}

static void
default_set_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!hallway_daemon_print_set_default_finish (result, &error))
    {
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&call->invocation), error);
      return;
    }
  g_message ("Printer ‘%s’ is now the default", hallway_dbus_printer1_get_id (call->iface));
  hallway_dbus_printer1_complete_set_default (call->iface, g_steal_pointer (&call->invocation));
}

static gboolean
handle_set_default_cb (HallwayDBusPrinter1   *iface,
                       GDBusMethodInvocation *invocation,
                       LocalPrinter          *local)
{
  HallwayDaemonPrintTarget target;

  get_target (iface, local, &target);
  hallway_daemon_print_set_default_async (&target, default_set_cb, call_new (iface, invocation));
  return TRUE;
}

static void
job_state_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = hallway_daemon_print_get_job_state_finish (result, &error);

  if (state == NULL)
    g_dbus_method_invocation_return_gerror (g_steal_pointer (&call->invocation), error);
  else
    hallway_dbus_printer1_complete_get_job_state (call->iface,
                                                  g_steal_pointer (&call->invocation), state);
}

static gboolean
handle_get_job_state_cb (HallwayDBusPrinter1   *iface,
                         GDBusMethodInvocation *invocation,
                         guint                  job,
                         gpointer               user_data)
{
  hallway_daemon_print_get_job_state_async (job, job_state_cb, call_new (iface, invocation));
  return TRUE;
}

/* What every printer's object answers, local or a neighbour's. */
static void
connect_printing (HallwayDBusPrinter1 *iface,
                  LocalPrinter        *local)
{
  g_signal_connect (iface, "handle-print", G_CALLBACK (handle_print_cb), local);
  g_signal_connect (iface, "handle-set-default", G_CALLBACK (handle_set_default_cb), local);
  g_signal_connect (iface, "handle-get-job-state", G_CALLBACK (handle_get_job_state_cb), NULL);
}

static LocalPrinter *
local_printer_new (HallwayDaemonPrinters *self,
                   const char            *queue)
{
  LocalPrinter *printer = g_new0 (LocalPrinter, 1);
  g_autofree char *escaped = g_dbus_escape_object_path (queue);
  g_autofree char *path = g_strdup_printf ("%s/local_%s", HALLWAY_PRINTERS_OBJECT_PATH, escaped);

  printer->owner = self;
  printer->queue = g_strdup (queue);
  printer->id = id_for_queue (queue);
  printer->object = hallway_dbus_object_skeleton_new (path);
  printer->iface = hallway_dbus_printer1_skeleton_new ();
  g_signal_connect (printer->iface, "handle-share", G_CALLBACK (handle_share_cb), printer);
  g_signal_connect (printer->iface, "handle-unshare", G_CALLBACK (handle_share_cb), printer);
  connect_printing (printer->iface, printer);
  hallway_dbus_object_skeleton_set_printer1 (printer->object, printer->iface);
  return printer;
}

static const char *
no_password_cb (const char *prompt,
                http_t     *http,
                const char *method,
                const char *resource,
                void       *user_data)
{
  /* Listing printers needs no password; never prompt on a terminal. */
  return NULL;
}

/* Worker thread: the local queues, one ipp_t of attributes each. */
static void
list_queues_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func ((GDestroyNotify) ippDelete);
  g_autoptr(ipp_t) response = NULL;
  ipp_t *request;
  ipp_t *current = NULL;
  http_t *http;

  cupsSetPasswordCB2 (no_password_cb, NULL);
  http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC,
                       HTTP_ENCRYPTION_IF_REQUESTED, 1, 5000, NULL);
  if (http == NULL)
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                               "The print service (CUPS) is not running");
      return;
    }

  request = ippNewRequest (IPP_OP_CUPS_GET_PRINTERS);
  ippAddStrings (request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                 G_N_ELEMENTS (requested_attributes), NULL, requested_attributes);
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
                cupsUser ());
  response = cupsDoRequest (http, request, "/");
  httpClose (http);

  if (response == NULL ||
      (ippGetStatusCode (response) > IPP_STATUS_OK_CONFLICTING &&
       ippGetStatusCode (response) != IPP_STATUS_ERROR_NOT_FOUND))
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                               "The print service (CUPS) did not list its printers: %s",
                               cupsLastErrorString ());
      return;
    }

  for (ipp_attribute_t *attr = ippFirstAttribute (response); attr != NULL;
       attr = ippNextAttribute (response))
    {
      if (ippGetGroupTag (attr) != IPP_TAG_PRINTER || ippGetName (attr) == NULL)
        {
          current = NULL;
          continue;
        }
      if (current == NULL)
        {
          current = ippNew ();
          g_ptr_array_add (queues, current);
        }
      ippCopyAttribute (current, attr, 0);
    }

  g_task_return_pointer (task, g_steal_pointer (&queues), (GDestroyNotify) g_ptr_array_unref);
}

static gboolean is_listable (ipp_t *attrs);

static void
queues_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HallwayDaemonPrinters *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) queues = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  /* Cancelled when @self was disposed: it must not be touched then. */
  queues = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->polling = FALSE;
  if (queues == NULL)
    {
      /* CUPS may start later; keep what is known until then. */
      g_debug ("%s", error->message);
      return;
    }

  for (guint i = 0; i < queues->len && i < HALLWAY_MAX_LOCAL_PRINTERS; i++)
    {
      ipp_t *attrs = g_ptr_array_index (queues, i);
      g_autofree char *queue = hallway_ipp_dup_string (attrs, "printer-name");
      LocalPrinter *printer;
      gboolean is_new = FALSE;

      if (queue == NULL || !is_listable (attrs) || g_hash_table_contains (seen, queue))
        continue;

      printer = g_hash_table_lookup (self->local, queue);
      if (printer == NULL)
        {
          printer = local_printer_new (self, queue);
          g_hash_table_insert (self->local, printer->queue, printer);
          is_new = TRUE;
        }
      g_hash_table_add (seen, printer->queue);
      g_clear_pointer (&printer->attrs, ippDelete);
      printer->attrs = ippNew ();
      for (ipp_attribute_t *attr = ippFirstAttribute (attrs); attr != NULL;
           attr = ippNextAttribute (attrs))
        ippCopyAttribute (printer->attrs, attr, 0);
      update_local (self, printer);
      if (is_new)
        g_dbus_object_manager_server_export (self->manager,
                                             G_DBUS_OBJECT_SKELETON (printer->object));
    }

  /* A queue deleted in CUPS: no longer listed nor served, but a shared one
   * is shared again if it comes back. */
  g_hash_table_iter_init (&iter, self->local);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      g_hash_table_iter_remove (&iter);
}

/* Temporary queues are CUPS' own copies of network printers (colleagues'
 * among them) and remote ones belong to another computer: neither is this
 * person's to share. */
static gboolean
is_listable (ipp_t *attrs)
{
  ipp_attribute_t *temporary = ippFindAttribute (attrs, "printer-is-temporary", IPP_TAG_BOOLEAN);
  ipp_attribute_t *type = ippFindAttribute (attrs, "printer-type", IPP_TAG_ENUM);

  if (temporary != NULL && ippGetBoolean (temporary, 0))
    return FALSE;
  if (type != NULL && (ippGetInteger (type, 0) & (CUPS_PRINTER_REMOTE | CUPS_PRINTER_DISCOVERED)))
    return FALSE;
  return TRUE;
}

static gboolean
poll_cb (gpointer user_data)
{
  HallwayDaemonPrinters *self = user_data;
  g_autoptr(GTask) task = NULL;

  if (self->polling)
    return G_SOURCE_CONTINUE;
  self->polling = TRUE;
  /* Not holding @self: hallwayd may stop while cupsd is being asked, and
   * the printers must then go (and their announcements with them) at once. */
  task = g_task_new (NULL, self->cancellable, queues_listed_cb, self);
  g_task_set_source_tag (task, poll_cb);
  g_task_run_in_thread (task, list_queues_thread);
  return G_SOURCE_CONTINUE;
}

/**
 * hallway_daemon_printers_start:
 * @self: a #HallwayDaemonPrinters
 * @dnssd: (nullable): where shared printers are announced
 * @owner_name: the person's display name, for the announcements
 * @host: this computer's host name
 *
 * Starts reading the local queues, now and every few seconds.
 */
void
hallway_daemon_printers_start (HallwayDaemonPrinters *self,
                               HallwayDnssd          *dnssd,
                               const char            *owner_name,
                               const char            *host)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_PRINTERS (self));

  g_set_object (&self->dnssd, dnssd);
  g_free (self->owner_name);
  self->owner_name = g_strdup (owner_name);
  g_free (self->host);
  self->host = g_strdup (host);

  poll_cb (self);
  if (self->poll_id == 0)
    self->poll_id = g_timeout_add_seconds (HALLWAY_PRINTERS_POLL_INTERVAL_S, poll_cb, self);
}

/**
 * hallway_daemon_printers_get_shared_count:
 * @self: a #HallwayDaemonPrinters
 *
 * Returns: how many printers colleagues can print on now
 */
guint
hallway_daemon_printers_get_shared_count (HallwayDaemonPrinters *self)
{
  GHashTableIter iter;
  gpointer key;
  guint count = 0;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PRINTERS (self), 0);

  /* Without the gateway nobody can print on them. */
  if (hallway_daemon_ipp_get_port (self->ipp) == 0)
    return 0;
  g_hash_table_iter_init (&iter, self->local);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_hash_table_contains (self->shared, key))
      count++;
  return count;
}

/**
 * hallway_daemon_printers_add_to_info:
 * @self: a #HallwayDaemonPrinters
 * @info: the /api/v1/info answer being built
 *
 * Lists the printers colleagues can print on now.
 */
void
hallway_daemon_printers_add_to_info (HallwayDaemonPrinters *self,
                                     HallwayInfo           *info)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HALLWAY_IS_DAEMON_PRINTERS (self));

  if (hallway_daemon_ipp_get_port (self->ipp) == 0)
    return;
  g_hash_table_iter_init (&iter, self->local);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LocalPrinter *local = value;
      HallwayInfoPrinter printer = { 0 };

      if (!g_hash_table_contains (self->shared, local->queue))
        continue;
      printer.id = local->id;
      printer.name = local->queue;
      printer.description = (char *) hallway_dbus_printer1_get_description (local->iface);
      printer.location = (char *) hallway_dbus_printer1_get_location (local->iface);
      printer.make_and_model = (char *) hallway_dbus_printer1_get_make_and_model (local->iface);
      printer.state = (char *) hallway_dbus_printer1_get_state (local->iface);
      printer.uuid = (char *) hallway_dbus_printer1_get_uuid (local->iface);
      printer.port = hallway_daemon_ipp_get_port (self->ipp);
      hallway_info_add_printer (info, &printer);
    }
}

static void
remove_remote (HallwayDaemonPrinters *self,
               const char            *peer_id,
               GHashTable            *keep)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree char *prefix = g_strconcat (peer_id, "/", NULL);

  g_hash_table_iter_init (&iter, self->remote);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, prefix) && (keep == NULL || !g_hash_table_contains (keep, key)))
      {
        g_dbus_object_manager_server_unexport (self->manager,
                                               g_dbus_object_get_object_path (value));
        g_hash_table_iter_remove (&iter);
      }
}

/**
 * hallway_daemon_printers_set_peer_printers:
 * @self: a #HallwayDaemonPrinters
 * @peer_id: a neighbour's device id
 * @address: (nullable): where it is reached
 * @info: what it said about itself
 *
 * Lists the printers a neighbour shares, replacing what it said before.
 */
void
hallway_daemon_printers_set_peer_printers (HallwayDaemonPrinters *self,
                                           const char            *peer_id,
                                           const char            *address,
                                           const HallwayInfo     *info)
{
  g_autoptr(GHashTable) keep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_if_fail (HALLWAY_IS_DAEMON_PRINTERS (self));

  for (guint i = 0; info->printers != NULL && i < info->printers->len; i++)
    {
      const HallwayInfoPrinter *printer = g_ptr_array_index (info->printers, i);
      g_autofree char *key = g_strdup_printf ("%s/%s", peer_id, printer->id);
      g_autofree char *host = NULL;
      g_autofree char *uri = NULL;
      HallwayDBusObjectSkeleton *object = g_hash_table_lookup (self->remote, key);
      g_autoptr(HallwayDBusPrinter1) iface = NULL;

      if (address == NULL)
        host = g_strdup_printf ("%s.local", info->host != NULL ? info->host : "localhost");
      else if (strchr (address, ':') != NULL)
        {
          /* A zone in a URI is written %25 (RFC 6874). */
          g_autofree char *zoned = NULL;
          g_auto(GStrv) parts = g_strsplit (address, "%", 2);

          zoned = parts[1] != NULL ? g_strdup_printf ("%s%%25%s", parts[0], parts[1])
                                   : g_strdup (parts[0]);
          host = g_strdup_printf ("[%s]", zoned);
        }
      else
        host = g_strdup (address);
      uri = g_strdup_printf ("ipp://%s:%u/ipp/print/%s", host, printer->port, printer->id);

      if (object == NULL)
        {
          g_autofree char *escaped = g_dbus_escape_object_path (printer->id);
          g_autofree char *path = g_strdup_printf ("%s/%.16s_%s", HALLWAY_PRINTERS_OBJECT_PATH,
                                                   peer_id, escaped);

          object = hallway_dbus_object_skeleton_new (path);
          iface = hallway_dbus_printer1_skeleton_new ();
          g_signal_connect (iface, "handle-share", G_CALLBACK (handle_remote_cb), NULL);
          g_signal_connect (iface, "handle-unshare", G_CALLBACK (handle_remote_cb), NULL);
          connect_printing (iface, NULL);
          hallway_dbus_object_skeleton_set_printer1 (object, iface);
          g_hash_table_insert (self->remote, g_strdup (key), object);
          g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
        }
      else
        iface = hallway_dbus_object_get_printer1 (HALLWAY_DBUS_OBJECT (object));

      hallway_dbus_printer1_set_id (iface, key);
      hallway_dbus_printer1_set_name (iface, printer->name);
      hallway_dbus_printer1_set_description (iface, printer->description != NULL &&
                                             *printer->description != '\0' ?
                                             printer->description : printer->name);
      hallway_dbus_printer1_set_location (iface,
                                          printer->location != NULL ? printer->location : "");
      hallway_dbus_printer1_set_make_and_model (iface, printer->make_and_model != NULL ?
                                                printer->make_and_model : "");
      hallway_dbus_printer1_set_state (iface, printer->state != NULL ? printer->state : "unknown");
      hallway_dbus_printer1_set_shared (iface, TRUE);
      hallway_dbus_printer1_set_local (iface, FALSE);
      hallway_dbus_printer1_set_peer (iface, peer_id);
      hallway_dbus_printer1_set_uri (iface, uri);
      hallway_dbus_printer1_set_uuid (iface, printer->uuid != NULL ? printer->uuid : "");
      /* As its owner announces it (see announce()), should CUPS not know
       * it by its UUID. */
      g_object_set_data_full (G_OBJECT (iface), INSTANCE_KEY,
                              g_strdup_printf ("%s @ %s",
                                               hallway_dbus_printer1_get_description (iface),
                                               info->name != NULL ? info->name : ""),
                              g_free);
      g_hash_table_add (keep, g_steal_pointer (&key));
    }

  remove_remote (self, peer_id, keep);
}

/* Who is printing: a known neighbour when the address is one where it
 * proved its certificate (its jobs then carry its display name in the
 * owner's CUPS). An address merely announced under its id may be anyone's:
 * the gateway treats it, like any other, as a guest of its own. */
static void
identify_cb (GInetAddress  *address,
             char         **out_key,
             char         **out_user,
             gpointer       user_data)
{
  HallwayDaemonPrinters *self = user_data;
  g_autofree char *text = g_inet_address_to_string (address);
  GList *objects = g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (self->manager));

  for (GList *l = objects; l != NULL && *out_key == NULL; l = l->next)
    {
      g_autoptr(HallwayDBusPeer1) peer = NULL;
      const char * const *addresses;

      peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (l->data));
      if (peer == NULL ||
          (addresses = hallway_dbus_peer1_get_verified_addresses (peer)) == NULL)
        continue;
      for (guint i = 0; addresses[i] != NULL; i++)
        {
          gsize length = strcspn (addresses[i], "%");

          if (strlen (text) == length && strncmp (addresses[i], text, length) == 0)
            {
              GString *user = g_string_new (NULL);

              /* A name cupsd shows as the job's owner: no control characters. */
              for (const char *p = hallway_dbus_peer1_get_name (peer); p != NULL && *p != '\0' &&
                   user->len < 64; p = g_utf8_next_char (p))
                {
                  gunichar c = g_utf8_get_char (p);

                  g_string_append_unichar (user, g_unichar_iscntrl (c) ? ' ' : c);
                }
              if (user->len == 0)
                g_string_append (user, "colleague");
              *out_key = g_strdup (hallway_dbus_peer1_get_id (peer));
              *out_user = g_string_free (user, FALSE);
              break;
            }
        }
    }
  g_list_free_full (objects, g_object_unref);
}

/* A neighbour that is forgotten takes its printers with it. */
static void
object_removed_cb (GDBusObjectManager    *manager,
                   GDBusObject           *object,
                   HallwayDaemonPrinters *self)
{
  g_autoptr(HallwayDBusPeer1) peer = NULL;

  if (!HALLWAY_DBUS_IS_OBJECT (object))
    return;
  peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));
  if (peer != NULL)
    remove_remote (self, hallway_dbus_peer1_get_id (peer), NULL);
}

/**
 * hallway_daemon_printers_new:
 * @manager: where Printer1 objects are exported
 * @ipp: the printer gateway
 * @config_path: where the shared queues are remembered, usually
 *   `$XDG_CONFIG_HOME/hallway/printers.ini`
 *
 * Returns: (transfer full): the printers; call hallway_daemon_printers_load()
 */
HallwayDaemonPrinters *
hallway_daemon_printers_new (GDBusObjectManagerServer *manager,
                             HallwayDaemonIpp         *ipp,
                             const char               *config_path)
{
  HallwayDaemonPrinters *self = g_object_new (HALLWAY_TYPE_DAEMON_PRINTERS, NULL);

  self->manager = g_object_ref (manager);
  self->ipp = g_object_ref (ipp);
  self->config_path = g_strdup (config_path);
  hallway_daemon_ipp_set_identify_func (ipp, identify_cb, self);
  g_signal_connect (manager, "object-removed", G_CALLBACK (object_removed_cb), self);
  return self;
}

static void
hallway_daemon_printers_dispose (GObject *object)
{
  HallwayDaemonPrinters *self = HALLWAY_DAEMON_PRINTERS (object);
  GHashTableIter iter;
  gpointer value;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->local != NULL)
    g_hash_table_remove_all (self->local);
  if (self->remote != NULL)
    {
      g_hash_table_iter_init (&iter, self->remote);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_dbus_object_manager_server_unexport (self->manager,
                                               g_dbus_object_get_object_path (value));
      g_hash_table_remove_all (self->remote);
    }
  g_clear_object (&self->dnssd);
  if (self->ipp != NULL)
    hallway_daemon_ipp_set_identify_func (self->ipp, NULL, NULL);
  g_clear_object (&self->ipp);
  g_clear_object (&self->manager);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hallway_daemon_printers_parent_class)->dispose (object);
}

static void
hallway_daemon_printers_finalize (GObject *object)
{
  HallwayDaemonPrinters *self = HALLWAY_DAEMON_PRINTERS (object);

  g_clear_pointer (&self->shared, g_hash_table_unref);
  g_clear_pointer (&self->local, g_hash_table_unref);
  g_clear_pointer (&self->remote, g_hash_table_unref);
  g_free (self->config_path);
  g_free (self->owner_name);
  g_free (self->host);

  G_OBJECT_CLASS (hallway_daemon_printers_parent_class)->finalize (object);
}

static void
hallway_daemon_printers_class_init (HallwayDaemonPrintersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_printers_dispose;
  object_class->finalize = hallway_daemon_printers_finalize;

  /**
   * HallwayDaemonPrinters::changed:
   *
   * A printer was shared or unshared.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hallway_daemon_printers_init (HallwayDaemonPrinters *self)
{
  self->shared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->local = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, local_printer_free);
  self->remote = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->owner_name = g_strdup ("");
  self->host = g_strdup (g_get_host_name ());
}
