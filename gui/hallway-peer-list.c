/* hallway-peer-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The neighbours of the sidebar, as a GListModel sorted by name. A big
 * office can bring a hundred of them at once (the daemon starting, the
 * network coming back) and change dozens of them a second. Changes are
 * applied on the frames of the widget that shows the list (the pacer), a
 * frame's worth together: each frame puts in as many neighbours as fit in
 * HALLWAY_PEER_LIST_FRAME_BUDGET_US, and the rest wait for the next one.
 * Removals and renames (a neighbour moving in the order) are applied at the
 * next frame too; a rename is also reported once per frame as
 * ::names-changed, for a search to filter again. Without a mapped pacer
 * there are no frames to keep smooth, and everything is applied at once.
 */
#include "config.h"

#include "hallway-peer-list.h"

#include "hallway-dbus.h"

struct _HallwayPeerList
{
  GObject             parent_instance;

  GtkWidget          *pacer;      /* (unowned) (nullable) weak */
  GDBusObjectManager *manager;    /* (owned) (nullable) */
  GPtrArray          *items;      /* (owned) HallwayDBusPeer1, sorted by name */
  GPtrArray          *pending;    /* (owned) HallwayDBusPeer1 waiting to go in */
  GPtrArray          *leaving;    /* (owned) HallwayDBusPeer1 waiting to go out */
  GPtrArray          *renamed;    /* (owned) HallwayDBusPeer1 to put in place again */
  guint               tick_id;
  guint               idle_id;
  guint               batch;      /* how many to put in at the next frame */
  gboolean            arrived;    /* neighbours came or went since the last frame */
  gboolean            waited;     /* the last frame left them for this one */
  gboolean            names_changed;
};

static void hallway_peer_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HallwayPeerList, hallway_peer_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      hallway_peer_list_model_init))

enum
{
  SIGNAL_NAMES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define COLLATE_KEY "hallway-peer-list-collate-key"

static void schedule_flush (HallwayPeerList *self);

static const char *
collate_key (HallwayDBusPeer1 *peer)
{
  const char *key = g_object_get_data (G_OBJECT (peer), COLLATE_KEY);

  if (key == NULL)
    {
      const char *name = hallway_dbus_peer1_get_name (peer);

      g_object_set_data_full (G_OBJECT (peer), COLLATE_KEY,
                              g_utf8_collate_key (name != NULL ? name : "", -1), g_free);
      key = g_object_get_data (G_OBJECT (peer), COLLATE_KEY);
    }
  return key;
}

/* Where @peer goes in the sorted items. */
static guint
sorted_position (HallwayPeerList  *self,
                 HallwayDBusPeer1 *peer)
{
  const char *key = collate_key (peer);
  guint low = 0, high = self->items->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (strcmp (collate_key (g_ptr_array_index (self->items, middle)), key) <= 0)
        low = middle + 1;
      else
        high = middle;
    }
  return low;
}

static gboolean
take_from (GPtrArray        *array,
           HallwayDBusPeer1 *peer)
{
  guint index;

  if (!g_ptr_array_find (array, peer, &index))
    return FALSE;
  g_ptr_array_remove_index (array, index);
  return TRUE;
}

static int
compare_peers (gconstpointer a,
               gconstpointer b)
{
  HallwayDBusPeer1 *x = *(HallwayDBusPeer1 * const *) a;
  HallwayDBusPeer1 *y = *(HallwayDBusPeer1 * const *) b;

  return strcmp (collate_key (x), collate_key (y));
}

/* Takes out at most @quota of the neighbours that left, one change per run
 * of rows next to each other, from the end so that the positions still to
 * come stay right; the others wait for the next frame. */
static void
remove_leaving (HallwayPeerList *self,
                guint            quota)
{
  g_autoptr(GHashTable) leaving = g_hash_table_new (NULL, NULL);
  guint i = self->items->len;

  if (self->leaving->len == 0)
    return;
  for (guint j = 0; j < self->leaving->len; j++)
    g_hash_table_add (leaving, g_ptr_array_index (self->leaving, j));
  while (i > 0 && quota > 0)
    {
      guint end;

      if (!g_hash_table_contains (leaving, g_ptr_array_index (self->items, i - 1)))
        {
          i--;
          continue;
        }
      end = i;
      while (i > 0 && end - i < quota &&
             g_hash_table_contains (leaving, g_ptr_array_index (self->items, i - 1)))
        i--;
      g_ptr_array_remove_range (self->items, i, end - i);
      g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
      quota -= end - i;
    }
  for (guint j = self->leaving->len; j > 0; j--)
    if (!g_ptr_array_find (self->items, g_ptr_array_index (self->leaving, j - 1), NULL))
      g_ptr_array_remove_index (self->leaving, j - 1);
}

static void
move_renamed (HallwayPeerList *self)
{
  while (self->renamed->len > 0)
    {
      g_autoptr(HallwayDBusPeer1) peer = g_ptr_array_steal_index (self->renamed, 0);
      guint position, target, first, span;

      if (!g_ptr_array_find (self->items, peer, &position))
        continue;
      g_ptr_array_remove_index (self->items, position);
      target = sorted_position (self, peer);
      g_ptr_array_insert (self->items, target, g_steal_pointer (&peer));
      if (target == position)
        continue;
      /* A move is one change over the rows between its two places, not a
       * removal and an insertion: a list view then keeps the rows it has
       * (it finds the same items among the added ones) and a selection
       * follows the neighbour it holds instead of losing it. */
      first = MIN (target, position);
      span = MAX (target, position) - first + 1;
      g_list_model_items_changed (G_LIST_MODEL (self), first, span, span);
    }
}

/* Puts @n of the waiting neighbours in, merged into the sorted items, and
 * says so in one change from the first new position to the end: the list
 * view keeps the rows of the items that only moved down. */
static void
insert_pending (HallwayPeerList *self,
                guint            n)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) merged = NULL;
  guint old_len = self->items->len;
  guint first = G_MAXUINT;
  guint i = 0, j = 0;

  for (guint k = 0; k < n && self->pending->len > 0; k++)
    g_ptr_array_add (batch, g_ptr_array_steal_index (self->pending, 0));
  if (batch->len == 0)
    return;
  g_ptr_array_sort (batch, compare_peers);

  merged = g_ptr_array_new_full (old_len + batch->len, g_object_unref);
  while (i < old_len || j < batch->len)
    {
      if (j < batch->len &&
          (i == old_len ||
           compare_peers (&g_ptr_array_index (batch, j), &g_ptr_array_index (self->items, i)) < 0))
        {
          first = MIN (first, merged->len);
          g_ptr_array_add (merged, g_object_ref (g_ptr_array_index (batch, j++)));
        }
      else
        g_ptr_array_add (merged, g_object_ref (g_ptr_array_index (self->items, i++)));
    }
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&merged);
  g_list_model_items_changed (G_LIST_MODEL (self), first, old_len - first,
                              self->items->len - first);
}

/* Applies what is waiting: of the neighbours leaving, at most
 * HALLWAY_PEER_LIST_MAX_REMOVALS; of those waiting to go in, as many as
 * the last batch's cost says fit in @budget_us (at least one). With an
 * endless budget, all of it. Returns whether anything is still waiting. */
static gboolean
flush (HallwayPeerList *self,
       gint64           budget_us)
{
  remove_leaving (self, budget_us == G_MAXINT64 ? G_MAXUINT : HALLWAY_PEER_LIST_MAX_REMOVALS);
  move_renamed (self);

  if (self->names_changed)
    {
      self->names_changed = FALSE;
      g_signal_emit (self, signals[SIGNAL_NAMES_CHANGED], 0);
    }

  if (self->pending->len > 0)
    {
      guint n = budget_us == G_MAXINT64 ? self->pending->len : self->batch;
      gint64 start = g_get_monotonic_time ();
      gint64 spent;

      insert_pending (self, n);
      /* The rows go in with the change; what a row cost sizes the next batch. */
      spent = MAX (1, g_get_monotonic_time () - start);
      if (budget_us != G_MAXINT64)
        self->batch = CLAMP (budget_us * n / spent, 1, HALLWAY_PEER_LIST_MAX_BATCH);
    }

  return self->pending->len > 0 || self->leaving->len > 0;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  HallwayPeerList *self = user_data;

  /* Many neighbours at once arrive as many D-Bus signals in one go, and
   * GLib builds a proxy for each before this frame: that frame has had its
   * share of work, the rows wait for the next one (once). */
  if (self->arrived && !self->waited)
    {
      self->arrived = FALSE;
      self->waited = TRUE;
      return G_SOURCE_CONTINUE;
    }
  self->arrived = self->waited = FALSE;
  if (flush (self, HALLWAY_PEER_LIST_FRAME_BUDGET_US))
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_cb (gpointer user_data)
{
  HallwayPeerList *self = user_data;

  self->idle_id = 0;
  flush (self, G_MAXINT64);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (HallwayPeerList *self)
{
  if (self->pacer != NULL && gtk_widget_get_mapped (self->pacer))
    {
      if (self->tick_id == 0)
        self->tick_id = gtk_widget_add_tick_callback (self->pacer, tick_cb, self, NULL);
    }
  else if (self->idle_id == 0)
    self->idle_id = g_idle_add (idle_cb, self);
}

static void
peer_renamed_cb (HallwayDBusPeer1 *peer,
                 GParamSpec       *pspec,
                 HallwayPeerList  *self)
{
  if (g_str_equal (pspec->name, "name"))
    {
      g_object_set_data (G_OBJECT (peer), COLLATE_KEY, NULL);
      if (g_ptr_array_find (self->items, peer, NULL) &&
          !g_ptr_array_find (self->renamed, peer, NULL))
        g_ptr_array_add (self->renamed, g_object_ref (peer));
    }
  self->names_changed = TRUE;
  schedule_flush (self);
}

static void
object_added_cb (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 HallwayPeerList    *self)
{
  g_autoptr(HallwayDBusPeer1) peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));

  if (peer == NULL || g_ptr_array_find (self->pending, peer, NULL) ||
      (g_ptr_array_find (self->items, peer, NULL) && !g_ptr_array_find (self->leaving, peer, NULL)))
    return;
  g_signal_connect_object (peer, "notify::name", G_CALLBACK (peer_renamed_cb), self, 0);
  g_signal_connect_object (peer, "notify::host", G_CALLBACK (peer_renamed_cb), self, 0);
  /* Back before it was taken out: it stays where it is. */
  if (take_from (self->leaving, peer))
    return;
  g_ptr_array_add (self->pending, g_steal_pointer (&peer));
  self->arrived = TRUE;
  schedule_flush (self);
}

static void
object_removed_cb (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   HallwayPeerList    *self)
{
  g_autoptr(HallwayDBusPeer1) peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));

  if (peer == NULL)
    return;
  g_signal_handlers_disconnect_by_data (peer, self);
  take_from (self->renamed, peer);
  if (take_from (self->pending, peer))
    return;
  if (g_ptr_array_find (self->items, peer, NULL) && !g_ptr_array_find (self->leaving, peer, NULL))
    {
      g_ptr_array_add (self->leaving, g_steal_pointer (&peer));
      self->arrived = TRUE;
      schedule_flush (self);
    }
}

static void
forget_all (HallwayPeerList *self)
{
  guint n = self->items->len;

  for (guint i = 0; i < self->items->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->items, i), self);
  for (guint i = 0; i < self->pending->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->pending, i), self);
  g_ptr_array_set_size (self->pending, 0);
  g_ptr_array_set_size (self->leaving, 0);
  g_ptr_array_set_size (self->renamed, 0);
  g_ptr_array_set_size (self->items, 0);
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

/**
 * hallway_peer_list_set_manager:
 * @self: a #HallwayPeerList
 * @manager: (nullable): where the daemon's neighbours are
 *
 * Lists the neighbours of @manager from now on, and follows them.
 */
void
hallway_peer_list_set_manager (HallwayPeerList    *self,
                               GDBusObjectManager *manager)
{
  GList *objects;

  g_return_if_fail (HALLWAY_IS_PEER_LIST (self));

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  forget_all (self);
  g_set_object (&self->manager, manager);
  if (manager == NULL)
    return;

  g_signal_connect_object (manager, "object-added", G_CALLBACK (object_added_cb), self, 0);
  g_signal_connect_object (manager, "object-removed", G_CALLBACK (object_removed_cb), self, 0);
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    object_added_cb (manager, l->data, self);
  g_list_free_full (objects, g_object_unref);
}

/**
 * hallway_peer_list_get_n_pending:
 * @self: a #HallwayPeerList
 *
 * Returns: how many changes wait for a frame
 */
guint
hallway_peer_list_get_n_pending (HallwayPeerList *self)
{
  g_return_val_if_fail (HALLWAY_IS_PEER_LIST (self), 0);

  return self->pending->len + self->leaving->len + self->renamed->len;
}

static GType
hallway_peer_list_get_item_type (GListModel *model)
{
  return HALLWAY_DBUS_TYPE_PEER1;
}

static guint
hallway_peer_list_get_n_items (GListModel *model)
{
  return HALLWAY_PEER_LIST (model)->items->len;
}

static gpointer
hallway_peer_list_get_item (GListModel *model,
                            guint       position)
{
  HallwayPeerList *self = HALLWAY_PEER_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
hallway_peer_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = hallway_peer_list_get_item_type;
  iface->get_n_items = hallway_peer_list_get_n_items;
  iface->get_item = hallway_peer_list_get_item;
}

/**
 * hallway_peer_list_new:
 * @pacer: (nullable): the widget showing the list, whose frames pace the
 *   changes
 *
 * Returns: (transfer full): an empty list; give it a manager
 */
HallwayPeerList *
hallway_peer_list_new (GtkWidget *pacer)
{
  HallwayPeerList *self = g_object_new (HALLWAY_TYPE_PEER_LIST, NULL);

  g_return_val_if_fail (pacer == NULL || GTK_IS_WIDGET (pacer), NULL);

  self->pacer = pacer;
  if (pacer != NULL)
    g_object_add_weak_pointer (G_OBJECT (pacer), (gpointer *) &self->pacer);
  return self;
}

static void
hallway_peer_list_dispose (GObject *object)
{
  HallwayPeerList *self = HALLWAY_PEER_LIST (object);

  if (self->pacer != NULL)
    {
      if (self->tick_id != 0)
        gtk_widget_remove_tick_callback (self->pacer, self->tick_id);
      g_object_remove_weak_pointer (G_OBJECT (self->pacer), (gpointer *) &self->pacer);
      self->pacer = NULL;
    }
  self->tick_id = 0;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  if (self->items != NULL)
    forget_all (self);

  G_OBJECT_CLASS (hallway_peer_list_parent_class)->dispose (object);
}

static void
hallway_peer_list_finalize (GObject *object)
{
  HallwayPeerList *self = HALLWAY_PEER_LIST (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->leaving, g_ptr_array_unref);
  g_clear_pointer (&self->renamed, g_ptr_array_unref);

  G_OBJECT_CLASS (hallway_peer_list_parent_class)->finalize (object);
}

static void
hallway_peer_list_class_init (HallwayPeerListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_peer_list_dispose;
  object_class->finalize = hallway_peer_list_finalize;

  /**
   * HallwayPeerList::names-changed:
   *
   * A neighbour's name or computer changed (at most once a frame).
   */
  signals[SIGNAL_NAMES_CHANGED] =
    g_signal_new ("names-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hallway_peer_list_init (HallwayPeerList *self)
{
  /* The first row costs the most (its template, fonts, styles): start small. */
  self->batch = 1;
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->leaving = g_ptr_array_new_with_free_func (g_object_unref);
  self->renamed = g_ptr_array_new_with_free_func (g_object_unref);
}
