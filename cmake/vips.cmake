# Finds libvips: the system's through pkg-config, else sharp's prebuilt libvips from npm
# (@img/sharp-libvips-<platform> for the library, @img/sharp-libvips-dev for headers).
# Defines gr_vips_headers (include paths: only for src/vips, since sharp-libvips-dev also ships
# a jpeglib.h of another ABI) and gr_vips_link (the library), and sets GR_HAVE_VIPS.
pkg_check_modules(SYSTEM_VIPS IMPORTED_TARGET vips)
if(SYSTEM_VIPS_FOUND)
  add_library(gr_vips_headers INTERFACE)
  target_include_directories(gr_vips_headers INTERFACE ${SYSTEM_VIPS_INCLUDE_DIRS})
  target_compile_options(gr_vips_headers INTERFACE ${SYSTEM_VIPS_CFLAGS_OTHER})
  add_library(gr_vips_link INTERFACE)
  target_link_libraries(gr_vips_link INTERFACE PkgConfig::SYSTEM_VIPS)
  set(GR_HAVE_VIPS ON)
  set(GR_VIPS_ORIGIN "system ${SYSTEM_VIPS_VERSION}")
  return()
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(GR_VIPS_PLATFORM linux-x64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(GR_VIPS_PLATFORM linux-arm64)
else()
  set(GR_VIPS_PLATFORM unknown)
endif()

# node_modules of this package, or the one it is installed in (as a dependency).
set(GR_NODE_MODULES_DIRS "${CMAKE_SOURCE_DIR}/node_modules" "${CMAKE_SOURCE_DIR}/..")
set(GR_VIPS_INCLUDE "")
set(GR_VIPS_LIBDIR "")
foreach(dir ${GR_NODE_MODULES_DIRS})
  if(NOT GR_VIPS_INCLUDE AND EXISTS "${dir}/@img/sharp-libvips-dev/include/vips/vips.h")
    get_filename_component(GR_VIPS_INCLUDE "${dir}/@img/sharp-libvips-dev/include" ABSOLUTE)
  endif()
  if(NOT GR_VIPS_LIBDIR AND EXISTS "${dir}/@img/sharp-libvips-${GR_VIPS_PLATFORM}/lib")
    get_filename_component(GR_VIPS_LIBDIR "${dir}/@img/sharp-libvips-${GR_VIPS_PLATFORM}/lib" ABSOLUTE)
  endif()
endforeach()
if(GR_VIPS_INCLUDE AND GR_VIPS_LIBDIR)
  file(GLOB GR_VIPS_LIBRARY "${GR_VIPS_LIBDIR}/libvips-cpp.so.*")
endif()
if(NOT GR_VIPS_LIBRARY)
  message(WARNING "gpu-resize: no libvips found (neither pkg-config vips nor @img/sharp-libvips-*): "
                  "the libvips fallback backend is not built")
  return()
endif()
list(GET GR_VIPS_LIBRARY 0 GR_VIPS_LIBRARY)
add_library(gr_vips_headers INTERFACE)
target_include_directories(gr_vips_headers INTERFACE
  "${GR_VIPS_INCLUDE}" "${GR_VIPS_INCLUDE}/glib-2.0" "${GR_VIPS_LIBDIR}/glib-2.0/include")
# rpath: the absolute directory, plus where npm puts the package beside an installed gpu-resize.
add_library(gr_vips_link INTERFACE)
target_link_libraries(gr_vips_link INTERFACE "${GR_VIPS_LIBRARY}"
  "-Wl,-rpath,${GR_VIPS_LIBDIR}"
  "-Wl,-rpath,'$ORIGIN/../../node_modules/@img/sharp-libvips-${GR_VIPS_PLATFORM}/lib'"
  "-Wl,-rpath,'$ORIGIN/../../../@img/sharp-libvips-${GR_VIPS_PLATFORM}/lib'")
set(GR_HAVE_VIPS ON)
set(GR_VIPS_ORIGIN "npm ${GR_VIPS_LIBRARY}")
