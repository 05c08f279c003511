#include <lcms2.h>

/* LittleCMS builds its pixel formats with function-like macros, which Swift cannot import; these give
   Swift the few it needs as plain functions. LittleCMS reports errors by return value (and an optional
   log callback), never by longjmp, so it needs no C shim of its own. */
static inline cmsUInt32Number ip_lcms_type_gray_8(void) { return TYPE_GRAY_8; }
static inline cmsUInt32Number ip_lcms_type_rgb_8(void) { return TYPE_RGB_8; }
static inline cmsUInt32Number ip_lcms_type_rgba_8(void) { return TYPE_RGBA_8; }
static inline cmsUInt32Number ip_lcms_type_cmyk_8(void) { return TYPE_CMYK_8; }
static inline cmsUInt32Number ip_lcms_type_cmyk_8_reversed(void) { return TYPE_CMYK_8_REV; }
static inline cmsUInt32Number ip_lcms_type_lab_double(void) { return TYPE_Lab_DBL; }
