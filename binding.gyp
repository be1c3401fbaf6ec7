{
  "targets": [
    {
      "target_name": "gpu_resize",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["build/Release/gpu_resize.node"],
          "action": ["node", "scripts/build.js"]
        }
      ]
    }
  ]
}
