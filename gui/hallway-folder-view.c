/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-folder-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "hallway-remote-files.h"
#include "hallway-window.h"

/* One entry of a neighbour's folder, as ListFolder returns it. */
struct _HallwayFolderItem
{
  GObject  parent_instance;

  char    *name;        /* (owned) */
  gboolean is_folder;
  gint64   size;
  gint64   modified;    /* seconds since the epoch, 0 if unknown */
};

G_DEFINE_FINAL_TYPE (HallwayFolderItem, hallway_folder_item, G_TYPE_OBJECT)

static void
hallway_folder_item_finalize (GObject *object)
{
  g_free (HALLWAY_FOLDER_ITEM (object)->name);
  G_OBJECT_CLASS (hallway_folder_item_parent_class)->finalize (object);
}

static void
hallway_folder_item_class_init (HallwayFolderItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hallway_folder_item_finalize;
}

static void
hallway_folder_item_init (HallwayFolderItem *self)
{
}

const char *
hallway_folder_item_get_name (HallwayFolderItem *self)
{
  return self->name;
}

gboolean
hallway_folder_item_get_is_folder (HallwayFolderItem *self)
{
  return self->is_folder;
}

gint64
hallway_folder_item_get_size (HallwayFolderItem *self)
{
  return self->size;
}

gint64
hallway_folder_item_get_modified (HallwayFolderItem *self)
{
  return self->modified;
}

struct _HallwayFolderView
{
  GtkBox            parent_instance;

  HallwayDBusPeer1 *peer;          /* (owned) (nullable) */
  char             *share;         /* (owned) (nullable) */
  char             *path;          /* (owned) "" is the top of the share */
  GCancellable     *cancellable;   /* (owned) (nullable) the listing in progress */
  GListStore       *store;         /* (owned) of HallwayFolderItem */
  GtkSortListModel *sorted;        /* (owned) */

  GtkBox           *path_bar;
  GtkStack         *stack;
  GtkSpinner       *spinner;
  GtkColumnView    *column_view;
  GtkWidget        *download_button;
};

G_DEFINE_FINAL_TYPE (HallwayFolderView, hallway_folder_view, GTK_TYPE_BOX)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
join_path (const char *dir,
           const char *name)
{
  if (dir == NULL || *dir == '\0')
    return g_strdup (name);
  return g_strconcat (dir, "/", name, NULL);
}

static void path_button_clicked_cb (GtkButton *button, HallwayFolderView *self);

static void
add_path_button (HallwayFolderView *self,
                 const char        *label,
                 const char        *path,
                 gboolean           current)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "path", g_strdup (path), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (path_button_clicked_cb), self);
  if (current)
    {
      gtk_widget_add_css_class (button, "heading");
      gtk_accessible_update_state (GTK_ACCESSIBLE (button),
                                   GTK_ACCESSIBLE_STATE_SELECTED, TRUE, -1);
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->path_bar)) != NULL)
    gtk_box_append (self->path_bar, gtk_label_new ("/"));
  gtk_box_append (self->path_bar, button);
}

static void
rebuild_path_bar (HallwayFolderView *self)
{
  GtkWidget *child;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) prefix = g_string_new ("");

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->path_bar))) != NULL)
    gtk_box_remove (self->path_bar, child);

  if (self->share == NULL)
    return;

  parts = g_strsplit (self->path, "/", -1);
  add_path_button (self, self->share, "", *self->path == '\0');
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      if (prefix->len > 0)
        g_string_append_c (prefix, '/');
      g_string_append (prefix, parts[i]);
      add_path_button (self, parts[i], prefix->str, parts[i + 1] == NULL);
    }
}

static void
list_folder_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  HallwayFolderView *self;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  const char *name, *type;
  gint64 size, modified;

  if (!hallway_dbus_peer1_call_list_folder_finish (HALLWAY_DBUS_PEER1 (source), &entries,
                                                    result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = HALLWAY_FOLDER_VIEW (user_data);
      g_clear_object (&self->cancellable);
      gtk_spinner_stop (self->spinner);
      g_dbus_error_strip_remote_error (error);
      g_list_store_remove_all (self->store);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      {
        /* Translators: %s says why, in the daemon's words. */
        g_autofree char *message = g_strdup_printf (_("Could not open the folder: %s"),
                                                    error->message);
        hallway_window_toast (GTK_WIDGET (self), message);
      }
      return;
    }

  self = HALLWAY_FOLDER_VIEW (user_data);
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);

  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(&s&sxx)", &name, &type, &size, &modified))
    {
      HallwayFolderItem *item = g_object_new (HALLWAY_TYPE_FOLDER_ITEM, NULL);

      item->name = g_strdup (name);
      item->is_folder = g_str_equal (type, "folder");
      item->size = size;
      item->modified = modified;
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "files" : "empty");
}

static void
reload (HallwayFolderView *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  rebuild_path_bar (self);
  if (self->peer == NULL || self->share == NULL)
    {
      g_list_store_remove_all (self->store);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  /* Listings cross the network; give slow neighbours time. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->peer), 60000);
  hallway_dbus_peer1_call_list_folder (self->peer, self->share, self->path, self->cancellable,
                                       list_folder_done_cb, self);
}

static void
path_button_clicked_cb (GtkButton         *button,
                        HallwayFolderView *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");

  g_free (self->path);
  self->path = g_strdup (path);
  reload (self);
}

void
hallway_folder_view_open (HallwayFolderView *self,
                          guint              position)
{
  g_autoptr(HallwayFolderItem) item = NULL;
  char *path;

  g_return_if_fail (HALLWAY_IS_FOLDER_VIEW (self));

  item = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);
  if (item == NULL || !item->is_folder)
    return;

  path = join_path (self->path, item->name);
  g_free (self->path);
  self->path = path;
  reload (self);
}

/* Back: up one folder, or out of the share from its top. */
static void
up_clicked_cb (HallwayFolderView *self)
{
  const char *slash;

  if (self->path == NULL || *self->path == '\0')
    {
      g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
      return;
    }
  slash = strrchr (self->path, '/');
  if (slash == NULL)
    {
      g_free (self->path);
      self->path = g_strdup ("");
    }
  else
    {
      char *parent = g_strndup (self->path, slash - self->path);

      g_free (self->path);
      self->path = parent;
    }
  reload (self);
}

static void
up_action_cb (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  up_clicked_cb (HALLWAY_FOLDER_VIEW (widget));
}

static void
column_view_activated_cb (GtkColumnView     *column_view,
                          guint              position,
                          HallwayFolderView *self)
{
  hallway_folder_view_open (self, position);
}

/* Downloads */

typedef struct
{
  HallwayFolderView *self;    /* (owned) */
  char              *message; /* (owned) the toast on success */
  char              *what;    /* (owned) for the error toast */
} DownloadData;

static void
download_data_free (DownloadData *data)
{
  g_object_unref (data->self);
  g_free (data->message);
  g_free (data->what);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DownloadData, download_data_free)

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(DownloadData) data = user_data;
  g_auto(GStrv) transfers = NULL;
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_daemon1_call_download_finish (HALLWAY_DBUS_DAEMON1 (source), &transfers,
                                                  result, &error))
    {
      g_autofree char *message = NULL;

      g_dbus_error_strip_remote_error (error);
      g_debug ("Download failed: %s", error->message);
      /* Translators: the first %s is a file's name (or "3 items"), the second says why. */
      message = g_strdup_printf (_("Could not download “%s”: %s"), data->what, error->message);
      hallway_window_toast (GTK_WIDGET (data->self), message);
      return;
    }
  hallway_window_toast_with_button (GTK_WIDGET (data->self), data->message,
                                    _("Show Transfers"), "win.show-transfers");
}

/**
 * hallway_folder_view_download_selection:
 *
 * Asks hallwayd to download the selected files and folders into the
 * window's receiving folder; says so, or why not, in a toast.
 *
 * Returns: %TRUE if a download was asked for
 */
gboolean
hallway_folder_view_download_selection (HallwayFolderView *self)
{
  GtkSelectionModel *selection;
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *destination = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) dir = NULL;
  HallwayDBusDaemon1 *daemon = NULL;
  GtkRoot *root;
  DownloadData *data;
  GtkBitsetIter iter;
  guint position;
  guint n;

  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), FALSE);

  if (self->peer == NULL || self->share == NULL)
    return FALSE;
  selection = gtk_column_view_get_model (self->column_view);
  selected = gtk_selection_model_get_selection (selection);
  n = (guint) gtk_bitset_get_size (selected);
  if (n == 0)
    return FALSE;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (HALLWAY_IS_WINDOW (root))
    {
      daemon = hallway_window_get_daemon (HALLWAY_WINDOW (root));
      destination = hallway_window_dup_download_dir (HALLWAY_WINDOW (root));
    }
  if (daemon == NULL)
    {
      hallway_window_toast (GTK_WIDGET (self), _("Hallway's service is not running"));
      return FALSE;
    }

  dir = g_file_new_for_path (destination);
  if (!g_file_make_directory_with_parents (dir, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      /* Translators: %s is a folder, e.g. /home/ana/Downloads. */
      g_autofree char *message = g_strdup_printf (_("Could not make the folder %s for downloads"),
                                                  destination);
      g_debug ("%s: %s", destination, error->message);
      hallway_window_toast (GTK_WIDGET (self), message);
      return FALSE;
    }

  paths = g_ptr_array_new_with_free_func (g_free);
  data = g_new0 (DownloadData, 1);
  data->self = g_object_ref (self);
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(HallwayFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->sorted),
                                                                  position);

      if (item == NULL)
        continue;
      g_ptr_array_add (paths, join_path (self->path, item->name));
      if (data->what == NULL)
        data->what = g_strdup (item->name);
    }
  g_ptr_array_add (paths, NULL);

  if (n == 1)
    /* Translators: %s is a file or folder's name. */
    data->message = g_strdup_printf (_("Downloading “%s”…"), data->what);
  else
    {
      g_free (data->what);
      data->what = g_strdup_printf (ngettext ("%u item", "%u items", n), n);
      data->message = g_strdup_printf (ngettext ("Downloading %u item…",
                                                 "Downloading %u items…", n), n);
    }

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (daemon), 60000);
  hallway_dbus_daemon1_call_download (daemon,
                                      g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->peer)),
                                      self->share,
                                      (const char * const *) paths->pdata,
                                      destination, NULL, download_done_cb, data);
  return TRUE;
}

static void
download_clicked_cb (HallwayFolderView *self)
{
  hallway_folder_view_download_selection (self);
}

static void
selection_changed_cb (GtkSelectionModel *selection,
                      guint              position,
                      guint              n_items,
                      HallwayFolderView *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (selection);

  gtk_widget_set_sensitive (self->download_button, !gtk_bitset_is_empty (selected));
}

/**
 * hallway_folder_view_get_selection:
 *
 * Returns: (transfer none): the rows' selection, over the sorted model
 */
GtkSelectionModel *
hallway_folder_view_get_selection (HallwayFolderView *self)
{
  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), NULL);
  return gtk_column_view_get_model (self->column_view);
}

/* Dragging files out, dropping files in */

static HallwayDBusDaemon1 *
get_daemon (HallwayFolderView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return HALLWAY_IS_WINDOW (root) ? hallway_window_get_daemon (HALLWAY_WINDOW (root)) : NULL;
}

/* What the share lets this computer do: "read-only", "read-write",
 * "drop-box", or NULL when the neighbour no longer lists it. */
static const char *
get_share_access (HallwayFolderView *self)
{
  GVariant *folders;
  GVariantIter iter;
  const char *id, *name, *access, *audience;

  if (self->peer == NULL || self->share == NULL)
    return NULL;
  folders = hallway_dbus_peer1_get_shared_folders (self->peer);
  if (folders == NULL)
    return NULL;
  g_variant_iter_init (&iter, folders);
  while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
    if (g_str_equal (id, self->share) || g_str_equal (name, self->share))
      return access;
  return NULL;
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource     *source,
                 double             x,
                 double             y,
                 HallwayFolderView *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  GtkListItem *list_item = g_object_get_data (G_OBJECT (cell), "hallway-list-item");
  GtkSelectionModel *selection = gtk_column_view_get_model (self->column_view);
  HallwayDBusDaemon1 *daemon = get_daemon (self);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint position;

  if (daemon == NULL || list_item == NULL || self->peer == NULL ||
      (position = gtk_list_item_get_position (list_item)) == GTK_INVALID_LIST_POSITION)
    return NULL;

  /* A selected row takes the whole selection along, like in Files. */
  if (gtk_selection_model_is_selected (selection, position))
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (selection);
      GtkBitsetIter iter;
      guint i;

      for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &i);
           ok;
           ok = gtk_bitset_iter_next (&iter, &i))
        {
          g_autoptr(HallwayFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->sorted),
                                                                      i);

          if (item != NULL)
            g_ptr_array_add (paths, join_path (self->path, item->name));
        }
    }
  else
    {
      HallwayFolderItem *item = gtk_list_item_get_item (list_item);

      g_ptr_array_add (paths, join_path (self->path, item->name));
    }
  g_ptr_array_add (paths, NULL);

  return hallway_remote_files_new (daemon, g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->peer)),
                                   self->share, (const char * const *) paths->pdata);
}

static void
uploaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HallwayFolderView) self = user_data;
  g_auto(GStrv) transfers = NULL;
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_daemon1_call_upload_finish (HALLWAY_DBUS_DAEMON1 (source), &transfers,
                                                result, &error))
    {
      g_autofree char *message = NULL;

      g_dbus_error_strip_remote_error (error);
      /* Translators: %s says why. */
      message = g_strdup_printf (_("Could not copy the files there: %s"), error->message);
      hallway_window_toast (GTK_WIDGET (self), message);
      return;
    }
  hallway_window_toast_with_button (GTK_WIDGET (self),
                                    g_dngettext (GETTEXT_PACKAGE, "Copying the file there…",
                                                 "Copying the files there…",
                                                 g_strv_length (transfers)),
                                    _("Show Transfers"), "win.show-transfers");
}

/**
 * hallway_folder_view_drop_files:
 * @files: (element-type GFile): files or folders on this computer
 *
 * Copies @files into the folder shown, when the share takes files.
 *
 * Returns: whether a copy was asked for
 */
gboolean
hallway_folder_view_drop_files (HallwayFolderView *self,
                                GSList            *files)
{
  HallwayDBusDaemon1 *daemon = get_daemon (self);
  const char *access = get_share_access (self);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), FALSE);

  if (g_strcmp0 (access, "read-write") != 0 && g_strcmp0 (access, "drop-box") != 0)
    {
      hallway_window_toast (GTK_WIDGET (self), _("This folder does not take files from you"));
      return FALSE;
    }
  if (daemon == NULL)
    {
      hallway_window_toast (GTK_WIDGET (self), _("Hallway's service is not running"));
      return FALSE;
    }
  for (GSList *l = files; l != NULL; l = l->next)
    {
      char *path = g_file_get_path (l->data);

      if (path == NULL)
        {
          hallway_window_toast (GTK_WIDGET (self), _("Only files on this computer can be copied"));
          return FALSE;
        }
      g_ptr_array_add (paths, path);
    }
  if (paths->len == 0)
    return FALSE;
  g_ptr_array_add (paths, NULL);

  hallway_dbus_daemon1_call_upload (daemon,
                                    g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->peer)),
                                    self->share, self->path, (const char * const *) paths->pdata,
                                    NULL, uploaded_cb, g_object_ref (self));
  return TRUE;
}

static gboolean
drop_cb (GtkDropTarget     *target,
         const GValue      *value,
         double             x,
         double             y,
         HallwayFolderView *self)
{
  GSList *files;
  gboolean ok;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  ok = files != NULL && hallway_folder_view_drop_files (self, files);
  g_slist_free (files);
  return ok;
}

static GdkDragAction
drop_enter_cb (GtkDropTarget     *target,
               double             x,
               double             y,
               HallwayFolderView *self)
{
  const char *access = get_share_access (self);

  /* Say "no" while hovering over a folder that takes nothing. */
  if (g_strcmp0 (access, "read-write") == 0 || g_strcmp0 (access, "drop-box") == 0)
    return GDK_ACTION_COPY;
  return 0;
}

/* Cells */

enum {
  COLUMN_NAME,
  COLUMN_SIZE,
  COLUMN_MODIFIED,
};

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  int column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  if (column == COLUMN_NAME)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *image = gtk_image_new ();
      GtkDragSource *source = gtk_drag_source_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);

      gtk_box_append (GTK_BOX (box), image);
      gtk_box_append (GTK_BOX (box), label);
      gtk_list_item_set_child (list_item, box);

      /* Dragging a name out to the desktop or a file manager copies it. */
      g_object_set_data (G_OBJECT (box), "hallway-list-item", list_item);
      gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
      g_signal_connect_object (source, "prepare", G_CALLBACK (drag_prepare_cb),
                               g_object_get_data (G_OBJECT (factory), "hallway-folder-view"), 0);
      gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (source));
    }
  else
    {
      gtk_label_set_xalign (GTK_LABEL (label), column == COLUMN_SIZE ? 1 : 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      gtk_list_item_set_child (list_item, label);
    }
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  int column = GPOINTER_TO_INT (user_data);
  HallwayFolderItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);

  switch (column)
    {
    case COLUMN_NAME:
      {
        GtkWidget *image = gtk_widget_get_first_child (child);
        GtkWidget *label = gtk_widget_get_next_sibling (image);

        gtk_image_set_from_icon_name (GTK_IMAGE (image), item->is_folder
                                      ? "folder-symbolic" : "text-x-generic-symbolic");
        gtk_label_set_text (GTK_LABEL (label), item->name);
      }
      break;
    case COLUMN_SIZE:
      if (item->is_folder)
        gtk_label_set_text (GTK_LABEL (child), "");
      else
        {
          g_autofree char *size = g_format_size (item->size);
          gtk_label_set_text (GTK_LABEL (child), size);
        }
      break;
    case COLUMN_MODIFIED:
      if (item->modified <= 0)
        gtk_label_set_text (GTK_LABEL (child), "");
      else
        {
          g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (item->modified);
          /* Translators: the date a file was last changed; see g_date_time_format. */
          g_autofree char *text = g_date_time_format (time, _("%e %b %Y, %H:%M"));
          gtk_label_set_text (GTK_LABEL (child), g_strstrip (text));
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const HallwayFolderItem *x = a, *y = b;
  int column = GPOINTER_TO_INT (user_data);

  /* Folders come first whatever the column. */
  if (x->is_folder != y->is_folder)
    return x->is_folder ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;

  switch (column)
    {
    case COLUMN_SIZE:
      if (x->size != y->size)
        return x->size < y->size ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
      break;
    case COLUMN_MODIFIED:
      if (x->modified != y->modified)
        return x->modified < y->modified ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
      break;
    default:
      break;
    }
  {
    int r = g_utf8_collate (x->name, y->name);
    return r < 0 ? GTK_ORDERING_SMALLER : r > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
  }
}

static GtkColumnViewColumn *
add_column (HallwayFolderView *self,
            const char        *title,
            int                column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;
  GtkSorter *sorter;

  g_object_set_data (G_OBJECT (factory), "hallway-folder-view", self);

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  sorter = GTK_SORTER (gtk_custom_sorter_new (compare_items, GINT_TO_POINTER (column), NULL));
  gtk_column_view_column_set_sorter (col, sorter);
  g_object_unref (sorter);
  gtk_column_view_column_set_resizable (col, TRUE);
  if (column == COLUMN_NAME)
    gtk_column_view_column_set_expand (col, TRUE);
  gtk_column_view_append_column (self->column_view, col);
  g_object_unref (col);
  return col;
}

static void
hallway_folder_view_dispose (GObject *object)
{
  HallwayFolderView *self = HALLWAY_FOLDER_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peer);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_FOLDER_VIEW);
  g_clear_object (&self->sorted);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hallway_folder_view_parent_class)->dispose (object);
}

static void
hallway_folder_view_finalize (GObject *object)
{
  HallwayFolderView *self = HALLWAY_FOLDER_VIEW (object);

  g_free (self->share);
  g_free (self->path);

  G_OBJECT_CLASS (hallway_folder_view_parent_class)->finalize (object);
}

static void
hallway_folder_view_class_init (HallwayFolderViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_folder_view_dispose;
  object_class->finalize = hallway_folder_view_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hallwaylan/Hallway/hallway-folder-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayFolderView, path_bar);
  gtk_widget_class_bind_template_child (widget_class, HallwayFolderView, stack);
  gtk_widget_class_bind_template_child (widget_class, HallwayFolderView, spinner);
  gtk_widget_class_bind_template_child (widget_class, HallwayFolderView, column_view);
  gtk_widget_class_bind_template_child (widget_class, HallwayFolderView, download_button);
  gtk_widget_class_bind_template_callback (widget_class, download_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, column_view_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, up_clicked_cb);

  /**
   * HallwayFolderView::closed:
   *
   * Back was pressed at the top of the share.
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "folder.up", NULL, up_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "folder.up", NULL);
}

static void
hallway_folder_view_init (HallwayFolderView *self)
{
  GtkColumnViewColumn *name_column;
  g_autoptr(GtkSelectionModel) selection = NULL;
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->path = g_strdup ("");
  self->store = g_list_store_new (HALLWAY_TYPE_FOLDER_ITEM);

  name_column = add_column (self, _("Name"), COLUMN_NAME);
  add_column (self, _("Size"), COLUMN_SIZE);
  add_column (self, _("Modified"), COLUMN_MODIFIED);

  self->sorted =
    gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                             g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  selection =
    GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->sorted))));
  gtk_column_view_set_model (self->column_view, selection);
  g_signal_connect_object (selection, "selection-changed", G_CALLBACK (selection_changed_cb), self,
                           0);
  gtk_column_view_sort_by_column (self->column_view, name_column, GTK_SORT_ASCENDING);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (target, "enter", G_CALLBACK (drop_enter_cb), self, 0);
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/**
 * hallway_folder_view_set_location:
 * @peer: (nullable): the neighbour
 * @share: (nullable): the shared folder's name or id
 * @path: (nullable): a path inside it, "" or %NULL for the top
 *
 * Shows a folder of a neighbour's share, listing it asynchronously.
 */
void
hallway_folder_view_set_location (HallwayFolderView *self,
                                  HallwayDBusPeer1  *peer,
                                  const char        *share,
                                  const char        *path)
{
  g_return_if_fail (HALLWAY_IS_FOLDER_VIEW (self));

  g_set_object (&self->peer, peer);
  g_free (self->share);
  self->share = g_strdup (share);
  g_free (self->path);
  self->path = g_strdup (path != NULL ? path : "");
  reload (self);
}

const char *
hallway_folder_view_get_path (HallwayFolderView *self)
{
  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), NULL);
  return self->path;
}

gboolean
hallway_folder_view_get_loading (HallwayFolderView *self)
{
  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), FALSE);
  return self->cancellable != NULL;
}

/**
 * hallway_folder_view_get_model:
 *
 * Returns: (transfer none): the entries as shown, sorted
 */
GListModel *
hallway_folder_view_get_model (HallwayFolderView *self)
{
  g_return_val_if_fail (HALLWAY_IS_FOLDER_VIEW (self), NULL);
  return G_LIST_MODEL (self->sorted);
}
