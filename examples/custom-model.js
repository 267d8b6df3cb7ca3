// A model of your own for mmoe-sweep (docs/MODELS.md, "Your own architecture"):
//   mmoe-sweep --model-file examples/custom-model.js --models deep-bottom,shared-bottom --preset smoke
//
// "deep-bottom": Shared-Bottom with a two-layer bottom (96 then 32 ReLU units) shared by both
// tasks, then the usual tower per task: 13346 parameters at d = 100, near MMoE's 14818.
//
// The module exports a function that receives mmoe-sweep's own tfjs and layer helpers and
// returns the Architecture, so this file works from any folder. (Exporting the Architecture
// object directly also works, if the file can require('@tensorflow/tfjs') itself.)
module.exports = ({ layers }) => ({
  name: 'deep-bottom',
  summary: 'a two-layer ReLU bottom (96, 32) shared by all tasks, then a tower per task',
  // Shapes are per replica; the trainer stacks R replicas on a leading axis.
  params: (shape) => [
    ...layers.denseSpecs('bottom1', 'bottom', shape.inputDim, 96),
    ...layers.denseSpecs('bottom2', 'bottom', 96, 32),
    ...layers.towerSpecs(shape, 32),
  ],
  // x: [R, B, inputDim] → predictions [R, B, tasks]; replica r may use only replica r of each parameter.
  forward(p, x, shape) {
    const h = layers.dense(p, 'bottom2', layers.dense(p, 'bottom1', x, true), true);
    return { predictions: layers.towers(p, Array.from({ length: shape.tasks }, () => h)), gates: null };
  },
});
