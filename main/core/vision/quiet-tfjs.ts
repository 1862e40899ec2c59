import * as tf from '@tensorflow/tfjs';

// On first use under Node, TF.js prints a banner recommending @tensorflow/tfjs-node; this app
// deliberately runs without it (ONNX Runtime does the heavy work), so the banner only confuses
// rangers. Production mode silences it (and skips TF.js's debug checks).
tf.enableProdMode();
