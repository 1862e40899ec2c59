// The compiled addon (build/Release/jpeg_grid.node); see jpeg_grid.c.
module.exports = require('./build/Release/jpeg_grid.node');
