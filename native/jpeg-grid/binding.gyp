{
  "targets": [
    {
      "target_name": "jpeg_grid",
      "sources": ["jpeg_grid.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ljpeg"]
    }
  ]
}
