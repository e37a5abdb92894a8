/* Tests only: never shipped, never linked into vidreply.
 *
 * WebKitGTK 2.50 builds its MediaRecorder video encoder around the GStreamer element
 * `autovideoflip`, which arrived in GStreamer 1.24. Debian 12 has 1.22, so WebKit
 * records 0 bytes (and raises no JS error). This plugin registers an element of that
 * name: a bin around the existing `videoflip` with its `video-direction` forwarded,
 * which is all WebKit asks of it. With it WebKitGTK records fragmented MP4
 * (H.264 + AAC) as Safari does. scripts/engines builds it and loads it through
 * GST_PLUGIN_PATH for the WebKit engine test only. */
#include <gst/gst.h>
#include <gst/video/video.h>

typedef struct { GstBin parent; GstElement *flip; } AutoVideoFlip;
typedef struct { GstBinClass parent_class; } AutoVideoFlipClass;

G_DEFINE_TYPE (AutoVideoFlip, auto_video_flip, GST_TYPE_BIN)

enum { PROP_0, PROP_VIDEO_DIRECTION };

static void
set_property (GObject *obj, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VIDEO_DIRECTION)
    g_object_set_property (G_OBJECT (((AutoVideoFlip *) obj)->flip), "video-direction", value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (obj, id, pspec);
}

static void
get_property (GObject *obj, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_VIDEO_DIRECTION)
    g_object_get_property (G_OBJECT (((AutoVideoFlip *) obj)->flip), "video-direction", value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (obj, id, pspec);
}

static void
auto_video_flip_init (AutoVideoFlip *self)
{
  self->flip = gst_element_factory_make ("videoflip", NULL);
  gst_bin_add (GST_BIN (self), self->flip);
  for (const char *const *name = (const char *const[]){"sink", "src", NULL}; *name; name++) {
    GstPad *target = gst_element_get_static_pad (self->flip, *name);
    gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new (*name, target));
    gst_object_unref (target);
  }
}

static void
auto_video_flip_class_init (AutoVideoFlipClass *klass)
{
  GObjectClass *gobject = G_OBJECT_CLASS (klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  g_object_class_install_property (gobject, PROP_VIDEO_DIRECTION,
      g_param_spec_enum ("video-direction", "Video direction", "Passed to videoflip",
          GST_TYPE_VIDEO_ORIENTATION_METHOD, GST_VIDEO_ORIENTATION_IDENTITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "Auto video flip (test shim)",
      "Filter/Effect/Video", "videoflip under the name GStreamer 1.24 gives it", "vidreply tests");
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &(GstStaticPadTemplate) GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY));
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &(GstStaticPadTemplate) GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY));
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "autovideoflip", GST_RANK_NONE, auto_video_flip_get_type ());
}

#define PACKAGE "vidreply-tests"
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, autovideoflip,
    "autovideoflip for GStreamer < 1.24 (vidreply tests only)", plugin_init,
    "1.0", "LGPL", PACKAGE, "https://www.debian.org/")
