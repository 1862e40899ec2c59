/*
 * Decodes a JPEG with libjpeg-turbo exactly as OpenCV's cv2.imread(IMREAD_COLOR) does (JDCT_ISLOW,
 * fancy upsampling, no colour management, RGB out) and keeps only the samples its callers read:
 * for each requested grid, the pixels where its rows and columns cross (stored coordinates,
 * before any EXIF orientation), or the rounded means of pairs of them. The full frame never
 * exists in memory: each scanline is decoded into one row buffer and gathered from there.
 *
 * decodeGrids(jpeg: Buffer, grids: Grid[], maxPixels: number, callback(error, {width, height}))
 * Grid: {rows: Int32Array, cols: Int32Array, out: Uint8Array, pairs: 0 | 1 | 2,
 *        origin: number, rowStride: number, colStride: number}
 *   pairs 0: element (i, j) is the pixel at (rows[i], cols[j]);
 *   pairs 1: element (i, k) is the mean of the pixels at (rows[i], cols[2k]) and (rows[i], cols[2k + 1]);
 *   pairs 2: element (k, j) is the mean of the pixels at (rows[2k], cols[j]) and (rows[2k + 1], cols[j]);
 *   (means rounded as (a + b + 1) >> 1) and element (i, j) is written at pixel
 *   origin + i * rowStride + j * colStride of `out` (3 bytes per pixel): strides may be
 *   negative, so that the caller gets its grid already turned upright.
 * Runs on the libuv thread pool. Rows must be sorted ascending (repeats allowed; strictly for
 * pairs 2), rows and columns within the image, every written pixel within `out`. Any libjpeg
 * warning (truncated or corrupt data) is an error: the caller then decodes with libvips, whose
 * verdict and pixels are authoritative.
 */
#include <node_api.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define MAX_GRIDS 4

typedef struct {
  const int32_t *rows;
  size_t row_count;
  const int32_t *cols;
  size_t col_count;
  uint8_t *out;
  size_t out_length;
  int32_t pairs;
  int64_t origin;
  int64_t row_stride;
  int64_t col_stride;
  uint8_t *pending; /* pairs 2: the first row of the pair being gathered */
} Grid;

typedef struct {
  napi_async_work work;
  napi_ref callback;
  napi_ref keep_alive; /* the arguments' array: keeps the input and the grids' buffers alive */
  const uint8_t *jpeg;
  size_t jpeg_length;
  double max_pixels;
  Grid grids[MAX_GRIDS];
  size_t grid_count;
  int width;
  int height;
  char error[JMSG_LENGTH_MAX + 128];
} Job;

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf escape;
  char message[JMSG_LENGTH_MAX];
} ErrorManager;

static void on_error(j_common_ptr cinfo) {
  ErrorManager *manager = (ErrorManager *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, manager->message);
  longjmp(manager->escape, 1);
}

/* Warnings (premature end of data, corrupt entropy data) fail the decode, as libvips' fail-on-error does. */
static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);
}

/* The grid's output size (elements along i and j) and whether it fits the image and `out`. */
static int grid_fits(const Grid *grid, int width, int height) {
  if (grid->pairs < 0 || grid->pairs > 2) return 0;
  if (grid->row_count == 0 || grid->col_count == 0) return grid->row_count == 0 || grid->col_count == 0;
  if (grid->rows[0] < 0 || grid->rows[grid->row_count - 1] >= height) return 0;
  for (size_t i = 1; i < grid->row_count; i++) {
    if (grid->rows[i] < grid->rows[i - 1] || (grid->pairs == 2 && grid->rows[i] == grid->rows[i - 1])) return 0;
  }
  for (size_t j = 0; j < grid->col_count; j++) {
    if (grid->cols[j] < 0 || grid->cols[j] >= width) return 0;
  }
  if (grid->pairs == 1 && grid->col_count % 2 != 0) return 0;
  if (grid->pairs == 2 && grid->row_count % 2 != 0) return 0;
  int64_t count_i = (int64_t)(grid->pairs == 2 ? grid->row_count / 2 : grid->row_count);
  int64_t count_j = (int64_t)(grid->pairs == 1 ? grid->col_count / 2 : grid->col_count);
  int64_t pixels = (int64_t)(grid->out_length / 3);
  for (int corner = 0; corner < 4; corner++) {
    int64_t at = grid->origin + (corner & 1 ? (count_i - 1) * grid->row_stride : 0) + (corner & 2 ? (count_j - 1) * grid->col_stride : 0);
    if (at < 0 || at >= pixels) return 0;
  }
  return 1;
}

/* Gathers what the grid reads of scanline `row` (its row index i = `index`). */
static void gather(Grid *grid, size_t index, const JSAMPLE *row) {
  if (grid->pairs == 0) {
    uint8_t *line = grid->out + (grid->origin + (int64_t)index * grid->row_stride) * 3;
    for (size_t j = 0; j < grid->col_count; j++) {
      const JSAMPLE *from = row + (size_t)grid->cols[j] * 3;
      uint8_t *to = line + (int64_t)j * grid->col_stride * 3;
      to[0] = from[0];
      to[1] = from[1];
      to[2] = from[2];
    }
  } else if (grid->pairs == 1) {
    uint8_t *line = grid->out + (grid->origin + (int64_t)index * grid->row_stride) * 3;
    for (size_t k = 0; k < grid->col_count / 2; k++) {
      const JSAMPLE *a = row + (size_t)grid->cols[2 * k] * 3;
      const JSAMPLE *b = row + (size_t)grid->cols[2 * k + 1] * 3;
      uint8_t *to = line + (int64_t)k * grid->col_stride * 3;
      to[0] = (uint8_t)((a[0] + b[0] + 1) >> 1);
      to[1] = (uint8_t)((a[1] + b[1] + 1) >> 1);
      to[2] = (uint8_t)((a[2] + b[2] + 1) >> 1);
    }
  } else if (index % 2 == 0) {
    for (size_t j = 0; j < grid->col_count; j++) memcpy(grid->pending + j * 3, row + (size_t)grid->cols[j] * 3, 3);
  } else {
    uint8_t *line = grid->out + (grid->origin + (int64_t)(index / 2) * grid->row_stride) * 3;
    for (size_t j = 0; j < grid->col_count; j++) {
      const uint8_t *a = grid->pending + j * 3;
      const JSAMPLE *b = row + (size_t)grid->cols[j] * 3;
      uint8_t *to = line + (int64_t)j * grid->col_stride * 3;
      to[0] = (uint8_t)((a[0] + b[0] + 1) >> 1);
      to[1] = (uint8_t)((a[1] + b[1] + 1) >> 1);
      to[2] = (uint8_t)((a[2] + b[2] + 1) >> 1);
    }
  }
}

static void free_buffers(Job *job, JSAMPLE *row) {
  free(row);
  for (size_t g = 0; g < job->grid_count; g++) {
    free(job->grids[g].pending);
    job->grids[g].pending = NULL;
  }
}

static void decode(napi_env env, void *data) {
  (void)env;
  Job *job = (Job *)data;
  struct jpeg_decompress_struct cinfo;
  ErrorManager manager;
  JSAMPLE *volatile row = NULL;
  cinfo.err = jpeg_std_error(&manager.pub);
  manager.pub.error_exit = on_error;
  manager.pub.emit_message = on_message;
  if (setjmp(manager.escape)) {
    snprintf(job->error, sizeof job->error, "%s", manager.message);
    free_buffers(job, row);
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, job->jpeg, (unsigned long)job->jpeg_length);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space != JCS_YCbCr && cinfo.jpeg_color_space != JCS_GRAYSCALE && cinfo.jpeg_color_space != JCS_RGB) {
    snprintf(job->error, sizeof job->error, "colour space %d is left to libvips", (int)cinfo.jpeg_color_space);
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  if ((double)cinfo.image_width * (double)cinfo.image_height > job->max_pixels) {
    snprintf(job->error, sizeof job->error, "over the pixel limit");
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  cinfo.out_color_space = JCS_RGB;
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&cinfo);
  job->width = (int)cinfo.output_width;
  job->height = (int)cinfo.output_height;
  int last_needed = -1;
  for (size_t g = 0; g < job->grid_count; g++) {
    Grid *grid = &job->grids[g];
    if (!grid_fits(grid, job->width, job->height)) {
      snprintf(job->error, sizeof job->error, "grid %zu does not fit the %dx%d image or its output", g, job->width, job->height);
      free_buffers(job, row);
      jpeg_abort_decompress(&cinfo);
      jpeg_destroy_decompress(&cinfo);
      return;
    }
    if (grid->row_count > 0 && grid->rows[grid->row_count - 1] > last_needed) last_needed = grid->rows[grid->row_count - 1];
    if (grid->pairs == 2) grid->pending = (uint8_t *)malloc(grid->col_count * 3 + 1);
  }
  row = (JSAMPLE *)malloc((size_t)cinfo.output_width * 3);
  int missing = row == NULL;
  for (size_t g = 0; g < job->grid_count; g++) missing |= job->grids[g].pairs == 2 && job->grids[g].pending == NULL;
  if (missing) {
    snprintf(job->error, sizeof job->error, "out of memory");
    free_buffers(job, row);
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  size_t next[MAX_GRIDS] = {0};
  JSAMPROW rows[1] = {row};
  while ((int)cinfo.output_scanline <= last_needed) {
    int y = (int)cinfo.output_scanline;
    /* Rows no grid reads are decoded but not colour-converted (libjpeg-turbo's skip keeps the upsampler's context). */
    int wanted = last_needed;
    for (size_t g = 0; g < job->grid_count; g++) {
      if (next[g] < job->grids[g].row_count && job->grids[g].rows[next[g]] < wanted) wanted = job->grids[g].rows[next[g]];
    }
    if (wanted > y) {
      jpeg_skip_scanlines(&cinfo, (JDIMENSION)(wanted - y));
      continue;
    }
    jpeg_read_scanlines(&cinfo, rows, 1);
    for (size_t g = 0; g < job->grid_count; g++) {
      Grid *grid = &job->grids[g];
      while (next[g] < grid->row_count && grid->rows[next[g]] == y) {
        gather(grid, next[g], row);
        next[g]++;
      }
    }
  }
  /* The rest of the data is still read: a file damaged after the last needed row fails as it would in libvips. */
  while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, rows, 1);
  jpeg_finish_decompress(&cinfo);
  free_buffers(job, row);
  jpeg_destroy_decompress(&cinfo);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = (Job *)data;
  napi_value callback, global, result[2], undefined;
  napi_get_reference_value(env, job->callback, &callback);
  napi_get_global(env, &global);
  napi_get_undefined(env, &undefined);
  if (status != napi_ok && job->error[0] == '\0') snprintf(job->error, sizeof job->error, "the decode was cancelled");
  if (job->error[0] != '\0') {
    napi_value message;
    napi_create_string_utf8(env, job->error, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result[0]);
    result[1] = undefined;
  } else {
    napi_value width, height;
    napi_get_null(env, &result[0]);
    napi_create_object(env, &result[1]);
    napi_create_int32(env, job->width, &width);
    napi_create_int32(env, job->height, &height);
    napi_set_named_property(env, result[1], "width", width);
    napi_set_named_property(env, result[1], "height", height);
  }
  napi_delete_reference(env, job->callback);
  napi_delete_reference(env, job->keep_alive);
  napi_delete_async_work(env, job->work);
  free(job);
  napi_call_function(env, global, callback, 2, result, NULL);
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A typed array argument of the expected type: its data and its element count. */
static int typed_array(napi_env env, napi_value value, napi_typedarray_type expected, void **data, size_t *length) {
  bool is_typed_array = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == expected;
}

/* An optional integer property: `fallback` when absent or undefined. */
static int int64_property(napi_env env, napi_value object, const char *name, int64_t *value, int64_t fallback) {
  bool has = false;
  napi_value property;
  napi_valuetype type;
  *value = fallback;
  if (napi_has_named_property(env, object, name, &has) != napi_ok) return 0;
  if (!has) return 1;
  if (napi_get_named_property(env, object, name, &property) != napi_ok || napi_typeof(env, property, &type) != napi_ok) return 0;
  if (type == napi_undefined) return 1;
  if (type != napi_number) return 0;
  return napi_get_value_int64(env, property, value) == napi_ok;
}

static int int_property(napi_env env, napi_value object, const char *name, int32_t *value, int32_t fallback) {
  int64_t wide;
  if (!int64_property(env, object, name, &wide, fallback)) return 0;
  *value = (int32_t)wide;
  return wide >= INT32_MIN && wide <= INT32_MAX;
}

static napi_value decode_grids(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 4) return throw_type_error(env, "decodeGrids(jpeg, grids, maxPixels, callback)");
  Job *job = (Job *)calloc(1, sizeof(Job));
  if (!job) return throw_type_error(env, "out of memory");
  void *jpeg;
  if (!typed_array(env, argv[0], napi_uint8_array, &jpeg, &job->jpeg_length)) {
    free(job);
    return throw_type_error(env, "jpeg must be a Buffer");
  }
  job->jpeg = (const uint8_t *)jpeg;
  uint32_t grid_count = 0;
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  if (!is_array || napi_get_array_length(env, argv[1], &grid_count) != napi_ok || grid_count > MAX_GRIDS) {
    free(job);
    return throw_type_error(env, "grids must be an array of at most 4 grids");
  }
  job->grid_count = grid_count;
  for (uint32_t g = 0; g < grid_count; g++) {
    napi_value grid, rows, cols, out;
    void *rows_data, *cols_data, *out_data;
    napi_get_element(env, argv[1], g, &grid);
    napi_get_named_property(env, grid, "rows", &rows);
    napi_get_named_property(env, grid, "cols", &cols);
    napi_get_named_property(env, grid, "out", &out);
    if (!typed_array(env, rows, napi_int32_array, &rows_data, &job->grids[g].row_count) ||
        !typed_array(env, cols, napi_int32_array, &cols_data, &job->grids[g].col_count) ||
        !typed_array(env, out, napi_uint8_array, &out_data, &job->grids[g].out_length)) {
      free(job);
      return throw_type_error(env, "each grid must be {rows: Int32Array, cols: Int32Array, out: Uint8Array, ...}");
    }
    job->grids[g].rows = (const int32_t *)rows_data;
    job->grids[g].cols = (const int32_t *)cols_data;
    job->grids[g].out = (uint8_t *)out_data;
    if (!int_property(env, grid, "pairs", &job->grids[g].pairs, 0) || !int64_property(env, grid, "origin", &job->grids[g].origin, 0) ||
        !int64_property(env, grid, "rowStride", &job->grids[g].row_stride, (int64_t)job->grids[g].col_count) ||
        !int64_property(env, grid, "colStride", &job->grids[g].col_stride, 1)) {
      free(job);
      return throw_type_error(env, "a grid's pairs, origin, rowStride and colStride must be integers when given");
    }
  }
  if (napi_get_value_double(env, argv[2], &job->max_pixels) != napi_ok) {
    free(job);
    return throw_type_error(env, "maxPixels must be a number");
  }
  napi_valuetype callback_type;
  napi_typeof(env, argv[3], &callback_type);
  if (callback_type != napi_function) {
    free(job);
    return throw_type_error(env, "callback must be a function");
  }
  napi_value everything, name;
  napi_create_array_with_length(env, 2, &everything);
  napi_set_element(env, everything, 0, argv[0]);
  napi_set_element(env, everything, 1, argv[1]);
  napi_create_reference(env, everything, 1, &job->keep_alive);
  napi_create_reference(env, argv[3], 1, &job->callback);
  napi_create_string_utf8(env, "jpeg-grid decode", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, decode, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return NULL;
}

/*
 * interpolateLinear(src: Uint8Array, firstX, secondX, weightX0, weightX1, firstY, secondY,
 *                   weightY0, weightY1: Int32Array, out: Uint8Array): OpenCV's INTER_LINEAR
 * arithmetic on 8-bit RGB, as main/core/vision/preprocess.ts's interpolate computes it (which
 * stays the reference: a test checks both give the same bytes). X and Y offsets are byte
 * offsets into `src` whose sum addresses a pixel; weights are 11-bit fixed point. Synchronous:
 * 299 x 299 pixels take well under a millisecond.
 */
/* The smallest and largest of two offset tables. */
static void offset_range(const int32_t *first, const int32_t *second, size_t count, int64_t *min, int64_t *max) {
  *min = INT64_MAX;
  *max = INT64_MIN;
  for (size_t i = 0; i < count; i++) {
    int64_t a = first[i] < second[i] ? first[i] : second[i];
    int64_t b = first[i] < second[i] ? second[i] : first[i];
    if (a < *min) *min = a;
    if (b > *max) *max = b;
  }
}

static napi_value interpolate_linear(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 10) return throw_type_error(env, "interpolateLinear(src, firstX, secondX, weightX0, weightX1, firstY, secondY, weightY0, weightY1, out)");
  void *data[10];
  size_t length[10];
  for (int i = 0; i < 10; i++) {
    napi_typedarray_type type = (i == 0 || i == 9) ? napi_uint8_array : napi_int32_array;
    if (!typed_array(env, argv[i], type, &data[i], &length[i])) return throw_type_error(env, "interpolateLinear: src and out are Uint8Array, the tables Int32Array");
  }
  const uint8_t *src = (const uint8_t *)data[0];
  const int32_t *first_x = (const int32_t *)data[1], *second_x = (const int32_t *)data[2];
  const int32_t *wx0 = (const int32_t *)data[3], *wx1 = (const int32_t *)data[4];
  const int32_t *first_y = (const int32_t *)data[5], *second_y = (const int32_t *)data[6];
  const int32_t *wy0 = (const int32_t *)data[7], *wy1 = (const int32_t *)data[8];
  uint8_t *out = (uint8_t *)data[9];
  size_t width = length[1], height = length[5];
  if (length[2] != width || length[3] != width || length[4] != width || length[6] != height || length[7] != height || length[8] != height || length[9] != width * height * 3) {
    return throw_type_error(env, "interpolateLinear: the x tables, the y tables and out must agree in size");
  }
  /* Every tap must lie within src: the offsets are checked once, here. */
  int64_t min_x, max_x, min_y, max_y;
  offset_range(first_x, second_x, width, &min_x, &max_x);
  offset_range(first_y, second_y, height, &min_y, &max_y);
  if (width > 0 && height > 0 && (min_x + min_y < 0 || max_x + max_y + 2 >= (int64_t)length[0])) {
    return throw_type_error(env, "interpolateLinear: a tap lies outside src");
  }
  int32_t *first_row = (int32_t *)malloc(width * 3 * sizeof(int32_t) + 1);
  if (!first_row) return throw_type_error(env, "out of memory");
  size_t o = 0;
  for (size_t dy = 0; dy < height; dy++) {
    const uint8_t *row0 = src + first_y[dy];
    const uint8_t *row1 = src + second_y[dy];
    int32_t b0 = wy0[dy], b1 = wy1[dy];
    for (size_t dx = 0; dx < width; dx++) {
      const uint8_t *a0 = row0 + first_x[dx], *a1 = row0 + second_x[dx];
      int32_t w0 = wx0[dx], w1 = wx1[dx];
      first_row[dx * 3] = a0[0] * w0 + a1[0] * w1;
      first_row[dx * 3 + 1] = a0[1] * w0 + a1[1] * w1;
      first_row[dx * 3 + 2] = a0[2] * w0 + a1[2] * w1;
    }
    for (size_t dx = 0; dx < width; dx++) {
      const uint8_t *c0 = row1 + first_x[dx], *c1 = row1 + second_x[dx];
      int32_t w0 = wx0[dx], w1 = wx1[dx];
      for (int c = 0; c < 3; c++) {
        int32_t h1 = c0[c] * w0 + c1[c] * w1;
        out[o++] = (uint8_t)(((((first_row[dx * 3 + c] >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16) + 2) >> 2);
      }
    }
  }
  free(first_row);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "decodeGrids", NAPI_AUTO_LENGTH, decode_grids, NULL, &fn);
  napi_set_named_property(env, exports, "decodeGrids", fn);
  napi_create_function(env, "interpolateLinear", NAPI_AUTO_LENGTH, interpolate_linear, NULL, &fn);
  napi_set_named_property(env, exports, "interpolateLinear", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
