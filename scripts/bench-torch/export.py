"""Full-size torchvision exports for the bench's PyTorch comparison.

Run from the repository root with Debian's Python (torch 1.13, torchvision 0.14, onnx):

    /usr/bin/python3 scripts/bench-torch/export.py             # every model
    /usr/bin/python3 scripts/bench-torch/export.py resnet18    # only the named ones

Writes bench/models/cache/<name>.onnx (git-ignored: the ResNet-18 export alone
is about 45 MB) and <name>.json beside it:

    resnet18       torchvision.models.resnet18(num_classes=10)
    mobilenet_v2   torchvision.models.mobilenet_v2(num_classes=10)

Both at full width with torchvision's own random initialisation from a fixed
seed (no pretrained weights), for 3x64x64 inputs. BatchNorm scales and shifts
are drawn from U(0.9, 1.1) and U(-0.05, 0.05) (at 1 and 0 the exporter would
store equal tensors once, tying the parameters), running statistics are then
estimated in train mode over a few seeded random batches (a
cumulative average), so that eval-mode normalisation is not the identity, and
the model is exported in eval mode with TrainingMode.PRESERVE, which keeps
every BatchNorm as a BatchNormalization node (the script checks the count),
opset 13, a dynamic batch axis, input 'input' and output 'logits'. Every
state_dict entry (parameters and running statistics) must be an initializer of
the same name with the same values: bench/peers/torch.ts's worker rebuilds the
torch model from those initializers. Running the script again writes
identical files.
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

OUT = os.path.join('bench', 'models', 'cache')
SEED = 0
SIDE = 64
CLASSES = 10
OPSET = 13
CALIBRATION_BATCHES = 4
CALIBRATION_SIZE = 32

MODELS = {
    'resnet18': lambda: torchvision.models.resnet18(num_classes=CLASSES),
    'mobilenet_v2': lambda: torchvision.models.mobilenet_v2(num_classes=CLASSES),
}


def perturb(model):
    """BatchNorm scales and shifts off 1 and 0, drawn from a seeded generator.

    Left at torchvision's 1 and 0, the exporter would store equal tensors once
    and feed every BatchNormalization node the same initializer, so that
    edgetune would train them as one tied parameter where torch has many.
    """
    gen = torch.Generator().manual_seed(SEED + 2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.2 + 0.9)
                m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 0.1 - 0.05)


def calibrate(model):
    """BatchNorm running statistics from seeded random batches (cumulative average), momentum restored."""
    gen = torch.Generator().manual_seed(SEED + 1)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(CALIBRATION_BATCHES):
            model(torch.randn(CALIBRATION_SIZE, 3, SIDE, SIDE, generator=gen))
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()
    return len(bns)


def export(name):
    torch.manual_seed(SEED)
    model = MODELS[name]()
    perturb(model)
    bn_modules = calibrate(model)
    path = os.path.join(OUT, f'{name}.onnx')
    x = torch.zeros(1, 3, SIDE, SIDE)
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    bn_nodes = sum(n.op_type == 'BatchNormalization' for n in m.graph.node)
    if bn_nodes != bn_modules:
        raise RuntimeError(f'{path}: {bn_nodes} BatchNormalization nodes for {bn_modules} BatchNorm modules')
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for key, value in model.state_dict().items():
        if key.endswith('num_batches_tracked'):
            continue
        if key not in inits:
            raise RuntimeError(f'{path}: state_dict entry {key} is not an initializer of the export')
        if not np.array_equal(inits[key], value.numpy()):
            raise RuntimeError(f'{path}: initializer {key} differs from the torch tensor')
    params = sum(p.numel() for p in model.parameters())
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    manifest = dict(
        model=name, torch=torch.__version__, torchvision=torchvision.__version__, seed=SEED,
        input='input', output='logits', inputShape=['batch', 3, SIDE, SIDE], classes=CLASSES, opset=OPSET,
        batchNormNodes=bn_nodes, params=params, bytes=os.path.getsize(path), sha256=digest,
        ops=sorted({n.op_type for n in m.graph.node}),
        weights='torchvision random initialisation from torch.manual_seed(0); BatchNorm scales U(0.9, 1.1) and shifts '
                'U(-0.05, 0.05); running statistics '
                f'from {CALIBRATION_BATCHES} random N(0,1) batches of {CALIBRATION_SIZE} in train mode (cumulative average)',
    )
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'{path}: {params} parameters, {bn_nodes} BatchNormalization nodes, {manifest["bytes"] / 2**20:.1f} MiB')


def main(argv):
    # the exporter warns about constant folding under TrainingMode.PRESERVE even
    # for a model in eval mode, where nothing trainable is folded
    warnings.filterwarnings('ignore', message='It is recommended that constant folding be turned off')
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    names = argv or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f'unknown model {", ".join(unknown)}; known: {", ".join(MODELS)}')
    for name in names:
        export(name)


if __name__ == '__main__':
    main(sys.argv[1:])
