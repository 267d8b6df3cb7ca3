// Multiply-adds of one forward pass, read off the architecture's own parameter shapes, so every
// model of the zoo (and a new one) is counted by what it holds, not by a formula per name.
import { ParamSpec } from '../src/engine/params';
import { architecture } from '../src/models/zoo';
import { ModelShape, sized } from '../src/models/types';

/**
 * Per row: each dense weight [in, out] is applied once (in·out; biases, ReLU and softmax are not
 * multiply-adds); each gate [in, n] also weighs n experts' outputs of expertUnits each (MMoE eq. 7:
 * n·H); cross-stitch's α [T, T] mixes T task activations of taskUnits each into T (T·T·U).
 */
export function forwardMacs(model: string, s: ModelShape): number {
  const { expertUnits: H, taskUnits: U } = sized(s);
  const macs = (p: ParamSpec): number => {
    const [rows, cols] = p.shape;
    if (p.name === 'stitch.delta') return rows * cols * U;
    if (!p.name.endsWith('.w')) return 0; // a bias
    return rows * cols + (p.component === 'gates' ? cols * H : 0);
  };
  return architecture(model).params(s).reduce((sum, p) => sum + macs(p), 0);
}

/** FLOPs of one training step of one run: forward ≈ 2·MACs per row, training ≈ 3× forward. */
export function trainFlops(model: string, s: ModelShape, batch: number): number {
  return 3 * 2 * forwardMacs(model, s) * batch;
}
