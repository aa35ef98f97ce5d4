/* test-printers.c: this person's printers (listed from a real, private
 * cupsd, shared over D-Bus) and the printer gateway colleagues print
 * through, on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cupsd is the machine's own program in a folder of the test's
 * (tests/cupsd-tree.sh), listening only on a socket there; it needs root
 * (it runs its filters as lp), so without root the test is skipped. The
 * IPP client is libcups, as a colleague's print dialog would be.
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <string.h>
#include <unistd.h>

#include <cups/cups.h>
#include <glib/gstdio.h>

#include "hallway-constants.h"
#include "hallway-daemon-ipp.h"
#include "hallway-daemon-printers.h"
#include "hallway-dbus.h"
#include "hallway-info.h"
#include "hallway-ipp.h"

#define CUPSD        "/usr/sbin/cupsd"
#define QUEUE        "office"
#define PRINTER_PATH HALLWAY_PRINTERS_OBJECT_PATH "/local_" QUEUE

/* One cupsd for the whole run: starting one takes a while. */
static char         *cups_dir;
static char         *cups_out;    /* the queue's device, a file */
static GSubprocess  *cupsd;

typedef struct
{
  char                     *dir;
  GDBusConnection          *bus;
  GDBusObjectManagerServer *manager;
  HallwayDaemonIpp         *ipp;
  HallwayDaemonPrinters    *printers;
  char                     *config_path;
} Fixture;

/* cupsd, its queue */

static gboolean
cupsd_answers (gpointer user_data)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC,
                               HTTP_ENCRYPTION_NEVER, 1, 1000, NULL);

  if (http == NULL)
    return FALSE;
  httpClose (http);
  return TRUE;
}

/* Returns NULL when cupsd is running with the queue, or why not. */
static char *
start_cupsd (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tree = NULL;
  g_autofree char *socket = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *files_conf = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *lpadmin = g_find_program_in_path ("lpadmin");
  const char *source = g_getenv ("HALLWAY_SOURCE_DIR");

  if (getuid () != 0)
    return g_strdup ("needs root: a private cupsd runs its filters as lp");
  if (!g_file_test (CUPSD, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup ("cupsd is missing (apt-get install cups-daemon)");
  if (lpadmin == NULL)
    return g_strdup ("lpadmin is missing (apt-get install cups-client)");

  tree = g_build_filename (source != NULL ? source : "..", "tests", "cupsd-tree.sh", NULL);
  cups_dir = g_dir_make_tmp ("hallway-cups-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (hallway_test_run (&error, tree, cups_dir, NULL));
  g_assert_no_error (error);
  /* cupsd's filters run as lp, which must reach the tree. */
  g_assert_cmpint (g_chmod (cups_dir, 0711), ==, 0);

  socket = g_build_filename (cups_dir, "cups.sock", NULL);
  conf = g_build_filename (cups_dir, "etc", "cupsd.conf", NULL);
  files_conf = g_build_filename (cups_dir, "etc", "cups-files.conf", NULL);
  /* hallwayd finds its cupsd as every CUPS program does. */
  g_setenv ("CUPS_SERVER", socket, TRUE);
  cupsSetServer (socket);
  cupsd = hallway_test_spawn_daemon (NULL, &error, CUPSD, "-f", "-c", conf, "-s", files_conf,
                                     NULL);
  g_assert_no_error (error);
  g_assert_true (hallway_test_wait_until (cupsd_answers, NULL, 20));

  cups_out = g_build_filename (cups_dir, "out", QUEUE ".out", NULL);
  uri = g_strconcat ("file://", cups_out, NULL);
  g_assert_true (hallway_test_run (&error, "lpadmin", "-p", QUEUE, "-E", "-v", uri,
                      "-P", "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd",
                      "-D", "Office printer", "-L", "2nd floor, by the window", NULL));
  g_assert_no_error (error);
  return NULL;
}

static void
stop_cupsd (void)
{
  hallway_test_stop_daemon (&cupsd);
  if (cups_dir != NULL)
    hallway_test_remove_tree (cups_dir);
  g_clear_pointer (&cups_dir, g_free);
  g_clear_pointer (&cups_out, g_free);
}

/* The fixture: the gateway and the printers, on a private bus */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hallway-printers-XXXXXX", &error);
  g_assert_no_error (error);
  f->config_path = g_build_filename (f->dir, "config", "printers.ini", NULL);
  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);
  g_dbus_object_manager_server_set_connection (f->manager, f->bus);

  f->ipp = hallway_daemon_ipp_new ();
  /* A port of its own; the next ones are tried when it is taken. */
  g_assert_true (hallway_daemon_ipp_listen (f->ipp, 20000 + g_random_int_range (0, 40000),
                                            &error));
  g_assert_no_error (error);
  f->printers = hallway_daemon_printers_new (f->manager, f->ipp, f->config_path);
  g_assert_true (hallway_daemon_printers_load (f->printers, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->printers);
  g_clear_object (&f->ipp);
  g_dbus_object_manager_server_set_connection (f->manager, NULL);
  g_clear_object (&f->manager);
  g_clear_object (&f->bus);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->config_path);
}

static HallwayDBusPrinter1 *
exported_printer (Fixture    *f,
                  const char *path)
{
  g_autoptr(GDBusObject) object = NULL;

  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (f->manager), path);
  if (object == NULL)
    return NULL;
  return hallway_dbus_object_get_printer1 (HALLWAY_DBUS_OBJECT (object));
}

static gboolean
office_listed (gpointer user_data)
{
  g_autoptr(HallwayDBusPrinter1) printer = exported_printer (user_data, PRINTER_PATH);

  return printer != NULL;
}

static gboolean
office_gone (gpointer user_data)
{
  return !office_listed (user_data);
}

/* Shares or unshares the queue as the window does, over D-Bus. */
static gboolean
call_share (Fixture     *f,
            const char  *path,
            gboolean     share,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HallwayDBusPrinter1) proxy = NULL;

  hallway_dbus_printer1_proxy_new (f->bus, G_DBUS_PROXY_FLAGS_NONE,
                                   g_dbus_connection_get_unique_name (f->bus), path, NULL,
                                   hallway_test_result_cb, &result);
  proxy = hallway_dbus_printer1_proxy_new_finish (hallway_test_wait_result (&result), error);
  if (proxy == NULL)
    return FALSE;
  g_clear_object (&result);
  if (share)
    {
      hallway_dbus_printer1_call_share (proxy, NULL, hallway_test_result_cb, &result);
      return hallway_dbus_printer1_call_share_finish (proxy, hallway_test_wait_result (&result),
                                                      error);
    }
  hallway_dbus_printer1_call_unshare (proxy, NULL, hallway_test_result_cb, &result);
  return hallway_dbus_printer1_call_unshare_finish (proxy, hallway_test_wait_result (&result),
                                                    error);
}

/* A colleague's IPP client, in a thread of its own (libcups blocks) while
 * the main thread runs the gateway. */

typedef struct
{
  guint16      port;
  const char  *resource;
  ipp_t       *request;     /* (owned) consumed */
  const char  *document;    /* (nullable) a file to send with it */
  ipp_t       *response;    /* (owned) (nullable) */
  http_status_t http_status;
  gboolean     done;
} IppCall;

static gpointer
ipp_call_thread (gpointer data)
{
  IppCall *call = data;
  http_t *http = httpConnect2 ("127.0.0.1", call->port, NULL, AF_INET, HTTP_ENCRYPTION_NEVER,
                               1, 10000, NULL);

  if (http != NULL)
    {
      call->response = cupsDoFileRequest (http, g_steal_pointer (&call->request), call->resource,
                                          call->document);
      call->http_status = httpGetStatus (http);
      httpClose (http);
    }
  g_clear_pointer (&call->request, ippDelete);
  g_atomic_int_set (&call->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Sends @request (consumed) to @resource on the gateway; returns the
 * answer, or NULL when there was none (the HTTP status is then set). */
static ipp_t *
ipp_call (Fixture       *f,
          const char    *resource,
          ipp_t         *request,
          const char    *document,
          http_status_t *out_status)
{
  IppCall call = { 0 };
  g_autoptr(GThread) thread = NULL;

  call.port = hallway_daemon_ipp_get_port (f->ipp);
  call.resource = resource;
  call.request = request;
  call.document = document;
  thread = g_thread_new ("ipp-client", ipp_call_thread, &call);
  g_assert_true (hallway_test_wait_flag (&call.done, 60));
  g_thread_join (g_steal_pointer (&thread));
  if (out_status != NULL)
    *out_status = call.http_status;
  return call.response;
}

static ipp_t *
new_request (ipp_op_t    op,
             guint16     port,
             const char *id)
{
  g_autofree char *uri = g_strdup_printf ("ipp://127.0.0.1:%u/ipp/print/%s", port, id);
  ipp_t *request = ippNewRequest (op);

  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, "root");
  return request;
}

static gboolean
output_matches (gpointer user_data)
{
  GBytes *expected = user_data;
  g_autofree char *contents = NULL;
  gsize length;

  return g_file_get_contents (cups_out, &contents, &length, NULL) &&
         length == g_bytes_get_size (expected) &&
         memcmp (contents, g_bytes_get_data (expected, NULL), length) == 0;
}

/* Prints @size random bytes on @id as a colleague would; returns the job's
 * id, or the IPP status as a negative number, or, when there was no IPP
 * answer, the HTTP status as a negative number. */
static int
print_bytes (Fixture    *f,
             const char *id,
             gsize       size,
             GBytes    **out_bytes)
{
  g_autofree char *path = g_build_filename (f->dir, "document.bin", NULL);
  g_autofree char *resource = g_strdup_printf ("/ipp/print/%s", id);
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr(ipp_t) response = NULL;
  ipp_t *request;
  guint16 port = hallway_daemon_ipp_get_port (f->ipp);
  http_status_t status;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_test_rand_int ();
  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
  request = new_request (IPP_OP_PRINT_JOB, port, id);
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, "numbers.bin");
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL,
                "application/octet-stream");
  response = ipp_call (f, resource, request, path, &status);
  if (out_bytes != NULL)
    *out_bytes = g_bytes_new_take (g_steal_pointer (&data), size);
  if (response == NULL)
    return -(int) status;
  if (ippGetStatusCode (response) > IPP_STATUS_OK_CONFLICTING)
    return -(int) ippGetStatusCode (response);
  return ippGetInteger (ippFindAttribute (response, "job-id", IPP_TAG_INTEGER), 0);
}

/* Tests */

static void
test_list_and_share (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(HallwayDBusPrinter1) printer = NULL;
  g_autoptr(HallwayInfo) info = g_new0 (HallwayInfo, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *uri = NULL;
  const HallwayInfoPrinter *listed;

  g_test_summary ("The person's CUPS queue is listed, not shared until they share it; "
                  "shared, it is served, told to colleagues and remembered");

  hallway_daemon_printers_start (f->printers, NULL, "Alice Martin", "office-a");
  g_assert_true (hallway_test_wait_until (office_listed, f, 20));
  printer = exported_printer (f, PRINTER_PATH);
  g_assert_cmpstr (hallway_dbus_printer1_get_name (printer), ==, QUEUE);
  g_assert_cmpstr (hallway_dbus_printer1_get_id (printer), ==, QUEUE);
  g_assert_cmpstr (hallway_dbus_printer1_get_description (printer), ==, "Office printer");
  g_assert_cmpstr (hallway_dbus_printer1_get_location (printer), ==, "2nd floor, by the window");
  g_assert_cmpstr (hallway_dbus_printer1_get_state (printer), ==, "idle");
  g_assert_true (hallway_dbus_printer1_get_local (printer));
  g_assert_false (hallway_dbus_printer1_get_shared (printer));
  g_assert_cmpstr (hallway_dbus_printer1_get_uri (printer), ==, "");
  g_assert_cmpuint (hallway_daemon_printers_get_shared_count (f->printers), ==, 0);
  hallway_daemon_printers_add_to_info (f->printers, info);
  g_assert_true (info->printers == NULL || info->printers->len == 0);

  /* Not shared: the gateway knows nothing of it. */
  g_assert_cmpint (print_bytes (f, QUEUE, 100, NULL), ==, -HTTP_STATUS_NOT_FOUND);

  g_assert_true (call_share (f, PRINTER_PATH, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (hallway_dbus_printer1_get_shared (printer));
  uri = g_strdup_printf ("ipp://office-a.local:%u/ipp/print/" QUEUE,
                         hallway_daemon_ipp_get_port (f->ipp));
  g_assert_cmpstr (hallway_dbus_printer1_get_uri (printer), ==, uri);
  g_assert_cmpuint (hallway_daemon_printers_get_shared_count (f->printers), ==, 1);
  hallway_daemon_printers_add_to_info (f->printers, info);
  g_assert_cmpuint (info->printers->len, ==, 1);
  listed = g_ptr_array_index (info->printers, 0);
  g_assert_cmpstr (listed->id, ==, QUEUE);
  g_assert_cmpstr (listed->description, ==, "Office printer");
  g_assert_cmpuint (listed->port, ==, hallway_daemon_ipp_get_port (f->ipp));

  /* Remembered privately, for the next start. */
  g_assert_true (g_key_file_load_from_file (keyfile, f->config_path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(HallwayDaemonPrinters) again = NULL;
    GStatBuf st;

    g_assert_cmpint (g_stat (f->config_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_clear_object (&f->printers);
    again = hallway_daemon_printers_new (f->manager, f->ipp, f->config_path);
    g_assert_true (hallway_daemon_printers_load (again, &error));
    g_assert_no_error (error);
    hallway_daemon_printers_start (again, NULL, "Alice Martin", "office-a");
    g_assert_true (hallway_test_wait_until (office_listed, f, 20));
    g_clear_object (&printer);
    printer = exported_printer (f, PRINTER_PATH);
    g_assert_true (hallway_dbus_printer1_get_shared (printer));
    g_assert_cmpuint (hallway_daemon_printers_get_shared_count (again), ==, 1);

    g_assert_true (call_share (f, PRINTER_PATH, FALSE, &error));
    g_assert_no_error (error);
    g_assert_false (hallway_dbus_printer1_get_shared (printer));
    g_assert_cmpuint (hallway_daemon_printers_get_shared_count (again), ==, 0);
    f->printers = g_steal_pointer (&again);
  }
  g_assert_cmpint (print_bytes (f, QUEUE, 100, NULL), ==, -HTTP_STATUS_NOT_FOUND);
}

static void
test_print (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(ipp_t) response = NULL;
  g_autofree char *resource = g_strdup ("/ipp/print/" QUEUE);
  g_autofree char *own_uri = NULL;
  guint16 port = hallway_daemon_ipp_get_port (f->ipp);
  http_status_t status;
  ipp_attribute_t *attr;
  ipp_t *request;
  int job;

  g_test_summary ("A colleague's job goes through the gateway to the queue, byte for byte; "
                  "answers name the gateway, not cupsd; what is not printing is refused");

  hallway_daemon_ipp_add_printer (f->ipp, QUEUE, QUEUE);
  g_unlink (cups_out);

  job = print_bytes (f, QUEUE, 200 * 1024 + 5, &sent);
  g_assert_cmpint (job, >, 0);
  g_assert_true (hallway_test_wait_until (output_matches, sent, 60));

  /* The answers name the gateway as the colleague reached it (libcups
   * sends "localhost" for 127.0.0.1), never cupsd's own queue. */
  request = new_request (IPP_OP_GET_PRINTER_ATTRIBUTES, port, QUEUE);
  response = ipp_call (f, resource, request, NULL, NULL);
  g_assert_nonnull (response);
  g_assert_cmpint (ippGetStatusCode (response), <=, IPP_STATUS_OK_CONFLICTING);
  attr = ippFindAttribute (response, "printer-uri-supported", IPP_TAG_URI);
  g_assert_nonnull (attr);
  own_uri = g_strdup_printf ("ipp://localhost:%u/ipp/print/" QUEUE, port);
  g_assert_cmpstr (ippGetString (attr, 0, NULL), ==, own_uri);
  g_clear_pointer (&response, ippDelete);

  /* The job is this computer's own, and listed to it. */
  request = new_request (IPP_OP_GET_JOBS, port, QUEUE);
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "all");
  response = ipp_call (f, resource, request, NULL, NULL);
  g_assert_nonnull (response);
  attr = ippFindAttribute (response, "job-id", IPP_TAG_INTEGER);
  g_assert_nonnull (attr);
  g_assert_cmpint (ippGetInteger (attr, 0), ==, job);
  g_clear_pointer (&response, ippDelete);

  /* Administration is not for colleagues. */
  request = new_request (IPP_OP_CUPS_GET_DOCUMENT, port, QUEUE);
  ippAddInteger (request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job);
  response = ipp_call (f, resource, request, NULL, NULL);
  g_assert_nonnull (response);
  g_assert_cmpint (ippGetStatusCode (response), ==, IPP_STATUS_ERROR_FORBIDDEN);
  g_clear_pointer (&response, ippDelete);
  request = new_request (IPP_OP_CUPS_ADD_MODIFY_PRINTER, port, QUEUE);
  response = ipp_call (f, resource, request, NULL, NULL);
  g_assert_nonnull (response);
  g_assert_cmpint (ippGetStatusCode (response), ==, IPP_STATUS_ERROR_FORBIDDEN);
  g_clear_pointer (&response, ippDelete);

  /* Nor cupsd's other pages and queues. */
  request = new_request (IPP_OP_GET_PRINTER_ATTRIBUTES, port, QUEUE);
  response = ipp_call (f, "/admin", request, NULL, &status);
  g_assert_true (response == NULL || ippGetStatusCode (response) > IPP_STATUS_OK_CONFLICTING);
  g_assert_cmpint (status, ==, HTTP_STATUS_NOT_FOUND);
  g_clear_pointer (&response, ippDelete);

  /* A document over the limit the person set. */
  hallway_daemon_ipp_set_max_document_size (f->ipp, 1000);
  g_assert_cmpint (print_bytes (f, QUEUE, 64 * 1024, NULL), ==,
                   -IPP_STATUS_ERROR_REQUEST_ENTITY);

  /* A printer no longer shared is gone for colleagues. */
  hallway_daemon_ipp_remove_printer (f->ipp, QUEUE);
  g_assert_cmpint (print_bytes (f, QUEUE, 10, NULL), ==, -HTTP_STATUS_NOT_FOUND);
}

/* A connection to the gateway, as a program that holds it open would. */
static GSocket *
gateway_connect (Fixture *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                hallway_daemon_ipp_get_port (f->ipp), NULL,
                                                &error);
  g_assert_no_error (error);
  socket = g_object_ref (g_socket_connection_get_socket (connection));
  /* The socket outlives the connection object, which would close it. */
  g_object_set_data_full (G_OBJECT (socket), "connection", g_steal_pointer (&connection),
                          g_object_unref);
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

/* Whether the gateway hung up on @socket (without a word). */
static gboolean
hung_up (gpointer user_data)
{
  GSocket *socket = user_data;
  char byte;

  if (g_socket_condition_check (socket, G_IO_IN | G_IO_HUP) == 0)
    return FALSE;
  return g_socket_receive (socket, &byte, 1, NULL, NULL) == 0;
}

typedef struct
{
  Fixture *f;
  GSocket *socket;   /* (owned) (nullable) the try under way */
} PageTry;

/* Whether a new connection gets the gateway's page; hung-up tries are
 * made again. */
static gboolean
page_served (gpointer user_data)
{
  PageTry *try = user_data;
  static const char request[] = "GET / HTTP/1.1\r\nHost: office-a.local\r\n\r\n";
  char reply[16] = { 0 };
  gssize n;

  if (try->socket == NULL)
    {
      try->socket = gateway_connect (try->f);
      g_socket_send (try->socket, request, strlen (request), NULL, NULL);
    }
  if (g_socket_condition_check (try->socket, G_IO_IN | G_IO_HUP) == 0)
    return FALSE;
  n = g_socket_receive (try->socket, reply, sizeof reply - 1, NULL, NULL);
  if (n > 0)
    return g_str_has_prefix (reply, "HTTP/1.1 200");
  g_clear_object (&try->socket);
  return FALSE;
}

static void
test_connection_limit (Fixture       *f,
                       gconstpointer  data)
{
  GSocket *held[HALLWAY_IPP_MAX_CONNS_PER_PEER];
  g_autoptr(GSocket) extra = NULL;
  PageTry try = { f, NULL };

  g_test_summary ("One computer holding its share of connections open gets no more, "
                  "and gets one again as soon as it lets one go");

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    held[i] = gateway_connect (f);
  extra = gateway_connect (f);
  g_assert_true (hallway_test_wait_until (hung_up, extra, 20));
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    g_assert_false (hung_up (held[i]));

  g_socket_close (held[0], NULL);
  g_assert_true (hallway_test_wait_until (page_served, &try, 20));
  g_clear_object (&try.socket);
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    g_object_unref (held[i]);
}

static void
test_queue_removed (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_strconcat ("file://", cups_out, NULL);

  g_test_summary ("A queue deleted in CUPS goes from the list and the gateway; "
                  "back, it is shared again as the person left it");

  hallway_daemon_printers_start (f->printers, NULL, "Alice Martin", "office-a");
  g_assert_true (hallway_test_wait_until (office_listed, f, 20));
  g_assert_true (call_share (f, PRINTER_PATH, TRUE, &error));
  g_assert_no_error (error);

  g_assert_true (hallway_test_run (&error, "lpadmin", "-x", QUEUE, NULL));
  g_assert_no_error (error);
  g_assert_true (hallway_test_wait_until (office_gone, f, 20));
  g_assert_cmpuint (hallway_daemon_printers_get_shared_count (f->printers), ==, 0);
  g_assert_cmpint (print_bytes (f, QUEUE, 10, NULL), ==, -HTTP_STATUS_NOT_FOUND);

  g_assert_true (hallway_test_run (&error, "lpadmin", "-p", QUEUE, "-E", "-v", uri,
                      "-P", "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd",
                      "-D", "Office printer", "-L", "2nd floor, by the window", NULL));
  g_assert_no_error (error);
  g_assert_true (hallway_test_wait_until (office_listed, f, 20));
  g_assert_cmpuint (hallway_daemon_printers_get_shared_count (f->printers), ==, 1);
  g_assert_cmpint (print_bytes (f, QUEUE, 10, NULL), >, 0);
}

static void
test_peer_printers (Fixture       *f,
                    gconstpointer  data)
{
  const char *peer = "0123456789abcdef0123456789abcdef";
  g_autoptr(HallwayInfo) info = g_new0 (HallwayInfo, 1);
  g_autoptr(HallwayInfo) fewer = g_new0 (HallwayInfo, 1);
  g_autoptr(HallwayDBusPrinter1) printer = NULL;
  g_autoptr(GError) error = NULL;
  HallwayInfoPrinter office = { 0 };
  HallwayInfoPrinter laser = { 0 };
  const char *path_office = HALLWAY_PRINTERS_OBJECT_PATH "/0123456789abcdef_office";
  const char *path_laser = HALLWAY_PRINTERS_OBJECT_PATH "/0123456789abcdef_laser";

  g_test_summary ("A neighbour's printers are listed with where to print on them, "
                  "replaced when it says otherwise, and not this person's to share");

  office.id = (char *) "office";
  office.name = (char *) "office";
  office.description = (char *) "Office printer";
  office.state = (char *) "idle";
  office.port = 631;
  laser.id = (char *) "laser";
  laser.name = (char *) "laser";
  laser.port = 631;
  hallway_info_add_printer (info, &office);
  hallway_info_add_printer (info, &laser);
  hallway_daemon_printers_set_peer_printers (f->printers, peer, "fe80::1%eth0", info);

  printer = exported_printer (f, path_office);
  g_assert_nonnull (printer);
  g_assert_false (hallway_dbus_printer1_get_local (printer));
  g_assert_true (hallway_dbus_printer1_get_shared (printer));
  g_assert_cmpstr (hallway_dbus_printer1_get_peer (printer), ==, peer);
  g_assert_cmpstr (hallway_dbus_printer1_get_id (printer), ==,
                   "0123456789abcdef0123456789abcdef/office");
  g_assert_cmpstr (hallway_dbus_printer1_get_description (printer), ==, "Office printer");
  /* The zone of a link-local address is written %25 in a URI (RFC 6874). */
  g_assert_cmpstr (hallway_dbus_printer1_get_uri (printer), ==,
                   "ipp://[fe80::1%25eth0]:631/ipp/print/office");
  g_clear_object (&printer);
  printer = exported_printer (f, path_laser);
  g_assert_nonnull (printer);
  /* Without a description, its queue name. */
  g_assert_cmpstr (hallway_dbus_printer1_get_description (printer), ==, "laser");
  g_clear_object (&printer);

  g_assert_false (call_share (f, path_office, FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* It stopped sharing one. */
  hallway_info_add_printer (fewer, &office);
  hallway_daemon_printers_set_peer_printers (f->printers, peer, "10.0.0.5", fewer);
  printer = exported_printer (f, path_office);
  g_assert_cmpstr (hallway_dbus_printer1_get_uri (printer), ==,
                   "ipp://10.0.0.5:631/ipp/print/office");
  g_assert_null (exported_printer (f, path_laser));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *why_not = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  why_not = start_cupsd ();
  if (why_not != NULL)
    return hallway_test_skip_all (why_not);

#define add(name, func) \
  g_test_add ("/printers/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  add ("list-and-share", test_list_and_share);
  add ("gateway/print", test_print);
  add ("gateway/connection-limit", test_connection_limit);
  add ("queue-removed", test_queue_removed);
  add ("peer-printers", test_peer_printers);
#undef add

  status = hallway_test_run_with_session_bus ();
  stop_cupsd ();
  return status;
}
