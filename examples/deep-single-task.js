// A depth control for the beyond study (docs/BEYOND.md, "Depth or sharing?"):
//   mmoe-sweep --model-file examples/deep-single-task.js --models deep-single-task,single-task --preset beyond --correlation 0.5
//
// "deep-single-task": the Single-Task baseline with two ReLU layers per task (64 then 16
// units, the shape of a PLE expert path: PLE's level-1 experts read the input, its level-2
// experts are 16 wide), then the usual tower; nothing shared. 15298 parameters at d = 100,
// +3.2% on MMoE's 14818, so that PLE's two levels can be told apart from what sharing gives.
module.exports = ({ layers }) => ({
  name: 'deep-single-task',
  summary: 'one independent two-layer ReLU network (64, 16) per task, then its tower; nothing shared',
  params: (shape) => [
    ...Array.from({ length: shape.tasks }, (_, k) => [
      ...layers.denseSpecs(`task${k + 1}.hidden1`, 'bottom', shape.inputDim, 64),
      ...layers.denseSpecs(`task${k + 1}.hidden2`, 'bottom', 64, 16),
    ]).flat(),
    ...layers.towerSpecs(shape, 16),
  ],
  // x: [R, B, inputDim] → predictions [R, B, tasks]; task k reads only its own layers.
  forward(p, x, shape) {
    const h = Array.from({ length: shape.tasks }, (_, k) =>
      layers.dense(p, `task${k + 1}.hidden2`, layers.dense(p, `task${k + 1}.hidden1`, x, true), true));
    return { predictions: layers.towers(p, h), gates: null };
  },
});
