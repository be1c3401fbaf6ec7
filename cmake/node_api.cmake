# The Node.js addon: an N-API module, so it needs only node_api.h (from the npm package
# node-api-headers, or Node's own headers) and leaves the N-API symbols to the running node.
set(GR_NODE_API_INCLUDE "" CACHE PATH "Directory holding node_api.h")
if(NOT GR_NODE_API_INCLUDE)
  foreach(candidate
      "${CMAKE_SOURCE_DIR}/node_modules/node-api-headers/include"
      "${CMAKE_SOURCE_DIR}/../node-api-headers/include"
      "/usr/include/node" "/usr/local/include/node")
    if(EXISTS "${candidate}/node_api.h")
      set(GR_NODE_API_INCLUDE "${candidate}")
      break()
    endif()
  endforeach()
endif()
if(NOT GR_NODE_API_INCLUDE)
  message(FATAL_ERROR "gpu-resize: node_api.h not found; run npm install (node-api-headers) "
                      "or pass -DGR_NODE_API_INCLUDE=dir")
endif()
file(GLOB GR_NAPI_SOURCES CONFIGURE_DEPENDS src/napi/*.c)
add_library(gpu_resize MODULE ${GR_NAPI_SOURCES})
target_include_directories(gpu_resize PRIVATE src "${GR_NODE_API_INCLUDE}")
target_compile_definitions(gpu_resize PRIVATE NAPI_VERSION=8 NODE_GYP_MODULE_NAME=gpu_resize)
target_link_libraries(gpu_resize PRIVATE gr_core)
# Never unloaded: Node closes the addons a worker thread loaded when it ends, but the request
# pool's and the GPU batchers' threads are process-wide and run code of this library.
if(NOT APPLE AND NOT WIN32)
  target_link_options(gpu_resize PRIVATE "LINKER:-z,nodelete")
endif()
set_target_properties(gpu_resize PROPERTIES PREFIX "" SUFFIX ".node"
  LIBRARY_OUTPUT_DIRECTORY "${GR_ADDON_OUTPUT_DIR}"
  C_VISIBILITY_PRESET hidden)
