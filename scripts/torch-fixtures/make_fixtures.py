"""Real-model fixtures from PyTorch for edgetune's whole-model gradient tests.

Run from the repository root with Debian's Python (torch 1.13, torchvision 0.14, onnx):

    /usr/bin/python3 scripts/torch-fixtures/make_fixtures.py            # every model
    /usr/bin/python3 scripts/torch-fixtures/make_fixtures.py resnet18   # only the named ones

`npm test` never runs this script; test/models/torchvision.test.ts reads what it
writes to test/fixtures/torch/:

    <model>-opset<N>.onnx   the model exported at opset N (11, 13, 17)
    <model>.x.npy           the input batch, float32
    <model>.labels.npy      int64 class labels, one per row of the model output
    <model>.grads.npy       float32: d(loss)/d(parameter) of every trained torch
                            parameter, flattened and concatenated in
                            model.named_parameters() order (computed in float64)
    <model>.json            the manifest: loss definition and value, the input and
                            output names, the SGD fine-tune reference, and per
                            export its opset, batch mode (dynamic or fixed), and
                            for each parameter {onnx, torch, dims, offset, size,
                            transform}; parameters that could not be found in
                            an export are listed under `unmatched` with the reason

Every model is built from a fixed seed at reduced width (each .onnx a few
hundred KB at most; 10 classes, or 4 per-pixel classes for the U-Net; batch 2
of 3x32x32 images, or of 1x256 signals for the Conv1d model), with BatchNorm
running statistics, scales and shifts and zero-initialised biases randomised a
little so that none is an identity or a duplicate of another tensor. Exports
keep BatchNorm as nodes (model.eval() with TrainingMode.PRESERVE skips the
exporter's eval-mode folding of BatchNorm into Conv; the script checks that
every BatchNorm module left one BatchNormalization node) and use the
exporter's default constant folding. Opset 13 exports have a dynamic batch
axis on input and output, the others a fixed batch of 2 (the manifest's
`batch`). The reference loss is torch's mean cross-entropy of the float64
model (model.double(), eval mode) on the same float32 input values. Running
the script again rewrites identical files.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import numpy_helper
from torchvision.models import efficientnet, mnasnet, mobilenetv2, mobilenetv3, regnet, resnet, shufflenetv2
from torchvision.models.googlenet import GoogLeNet
from torchvision.models.squeezenet import SqueezeNet
from torchvision.ops.misc import Conv2dNormActivation

OUT = os.path.join('test', 'fixtures', 'torch')
NUM_CLASSES = 10
BATCH = 2
SEED = 0
SGD_STEPS = 3
SGD_RATES = (0.1, 0.03, 0.01, 0.003, 0.001)
TORCHVISION_OPSETS = (11, 13, 17)
# Exports at these opsets get a dynamic batch axis on input and output; the others a fixed one.
DYNAMIC_OPSETS = (13,)


# ---------------------------------------------------------------------------
# Width reduction by rebuilding modules with channel counts divided by k


def shrink_channels(model, k, keep_out=(), image_channels=3):
    """Rebuild every Conv2d, BatchNorm2d and Linear with its channel counts divided by k.

    The image input (image_channels) and the out channels of the modules named
    in keep_out (the classifier) stay as they are; groups follow the channel
    division (depthwise stays depthwise). The op structure is untouched.
    """
    def div(c):
        if c % k:
            raise ValueError(f'{c} channels are not divisible by {k}')
        return c // k

    for name, mod in list(model.named_modules()):
        for child_name, child in list(mod.named_children()):
            full = f'{name}.{child_name}' if name else child_name
            if isinstance(child, nn.Conv2d):
                cin = child.in_channels if child.in_channels == image_channels else div(child.in_channels)
                cout = child.out_channels if full in keep_out else div(child.out_channels)
                groups = 1 if child.groups == 1 else div(child.groups)
                new = nn.Conv2d(cin, cout, child.kernel_size, child.stride, child.padding, child.dilation, groups,
                                child.bias is not None)
                nn.init.kaiming_normal_(new.weight, mode='fan_in', nonlinearity='relu')
            elif isinstance(child, nn.BatchNorm2d):
                new = nn.BatchNorm2d(div(child.num_features), eps=child.eps, momentum=child.momentum)
            elif isinstance(child, nn.Linear):
                cout = child.out_features if full in keep_out else div(child.out_features)
                new = nn.Linear(div(child.in_features), cout, child.bias is not None)
            else:
                continue
            setattr(mod, child_name, new)
    return model


# ---------------------------------------------------------------------------
# The models


def build_resnet18():
    m = resnet.ResNet(resnet.BasicBlock, [2, 2, 2, 2], num_classes=NUM_CLASSES)
    return shrink_channels(m, 16, keep_out={'fc'})


def build_mobilenet_v2():
    m = mobilenetv2.MobileNetV2(num_classes=NUM_CLASSES, width_mult=0.1)
    # the last 1x1 expansion is fixed at 1280 channels whatever width_mult says; narrow it the same way
    last_in = m.features[-1][0].in_channels
    m.features[-1] = Conv2dNormActivation(last_in, 128, kernel_size=1, norm_layer=nn.BatchNorm2d,
                                          activation_layer=nn.ReLU6)
    m.classifier[1] = nn.Linear(128, NUM_CLASSES)
    return m


def build_mobilenet_v3_small():
    setting, last_channel = mobilenetv3._mobilenet_v3_conf('mobilenet_v3_small', width_mult=0.15)
    return mobilenetv3.MobileNetV3(setting, last_channel, num_classes=NUM_CLASSES)


def build_shufflenet_v2():
    return shufflenetv2.ShuffleNetV2([4, 8, 4], [8, 16, 32, 64, 128], num_classes=NUM_CLASSES)


def build_efficientnet_b0():
    setting, last_channel = efficientnet._efficientnet_conf('efficientnet_b0', width_mult=0.08, depth_mult=1.0)
    return efficientnet.EfficientNet(setting, 0.2, last_channel=last_channel, num_classes=NUM_CLASSES)


def build_mnasnet():
    m = mnasnet.MNASNet(0.1, num_classes=NUM_CLASSES)
    # the final 1x1 mapping is fixed at 1280 channels whatever alpha says; narrow it the same way
    conv = m.layers[14]
    m.layers[14] = nn.Conv2d(conv.in_channels, 128, 1, bias=False)
    nn.init.kaiming_normal_(m.layers[14].weight, mode='fan_out', nonlinearity='relu')
    m.layers[15] = nn.BatchNorm2d(128)
    m.classifier[1] = nn.Linear(128, NUM_CLASSES)
    return m


def build_regnet():
    params = regnet.BlockParams.from_init_params(depth=6, w_0=8, w_a=8.0, w_m=2.0, group_width=4, se_ratio=0.25)
    return regnet.RegNet(params, num_classes=NUM_CLASSES, stem_width=8)


def build_squeezenet():
    m = SqueezeNet('1_1', num_classes=NUM_CLASSES)
    return shrink_channels(m, 8, keep_out={'classifier.1'})


def build_googlenet():
    m = GoogLeNet(num_classes=NUM_CLASSES, aux_logits=False, transform_input=False, init_weights=False)
    return shrink_channels(m, 8, keep_out={'fc'})


class UNet(nn.Module):
    """Two-level U-Net: ConvTranspose (stride 2) and bilinear Upsample on the way up, skip
    Concats, a nearest-neighbour interpolate side path, and per-pixel class logits
    returned as rows [N*H*W, classes] (permuted to N,H,W,C and flattened)."""

    def __init__(self, classes=4):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

        self.classes = classes
        self.enc1 = block(3, 8)
        self.enc2 = block(8, 16)
        self.bottom = block(16, 32)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec2 = block(32, 16)
        self.up1 = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.reduce1 = nn.Conv2d(16, 8, 1)
        self.dec1 = block(16, 8)
        self.head = nn.Conv2d(8, classes, 1)
        self.side = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottom(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.reduce1(self.up1(d2)), e1], 1))
        y = self.head(d1) + self.side(F.interpolate(b, scale_factor=4.0, mode='nearest'))
        return y.permute(0, 2, 3, 1).reshape(-1, self.classes)


class TinyTransformer(nn.Module):
    """Patch-embedding Conv, LayerNorm, an MLP with GELU and a residual add, a second
    LayerNorm, mean pooling over the tokens and a Linear head."""

    def __init__(self, dim=16, hidden=32):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 4, stride=4)
        self.norm1 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = t + self.fc2(F.gelu(self.fc1(self.norm1(t))))
        return self.head(self.norm2(t).mean(dim=1))


class AudioNet(nn.Module):
    """Conv1d / BatchNorm1d / ReLU / MaxPool1d stack, AdaptiveAvgPool1d and a Linear head."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 8, 9, stride=2, padding=4), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(8, 16, 5, padding=2), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(16, 32, 3, padding=1), nn.BatchNorm1d(32), nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


IMAGE = [BATCH, 3, 32, 32]
CE = 'mean over the batch rows of torch.nn.functional.cross_entropy(logits, labels)'
UNET_LOSS = ('mean per-pixel cross-entropy: the graph permutes the logits [N,C,H,W] to [N,H,W,C] and '
             'reshapes them to rows [N*H*W, C]; labels.npy holds one int64 class per row (row-major over n, h, w), '
             'so the mean cross-entropy over the output rows equals '
             'torch.nn.functional.cross_entropy(logits[N,C,H,W], labels.reshape(N,H,W))')

MODELS = {
    'resnet18': dict(build=build_resnet18, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'mobilenet_v2': dict(build=build_mobilenet_v2, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'mobilenet_v3_small': dict(build=build_mobilenet_v3_small, input=IMAGE, opsets=TORCHVISION_OPSETS,
                               classes=NUM_CLASSES),
    'shufflenet_v2': dict(build=build_shufflenet_v2, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'efficientnet_b0': dict(build=build_efficientnet_b0, input=IMAGE, opsets=TORCHVISION_OPSETS,
                            classes=NUM_CLASSES),
    'mnasnet': dict(build=build_mnasnet, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'regnet': dict(build=build_regnet, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'squeezenet': dict(build=build_squeezenet, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'googlenet': dict(build=build_googlenet, input=IMAGE, opsets=TORCHVISION_OPSETS, classes=NUM_CLASSES),
    'unet': dict(build=UNet, input=IMAGE, opsets=(11, 13, 17), classes=4, rows=BATCH * 32 * 32, loss=UNET_LOSS),
    'layernorm_gelu': dict(build=TinyTransformer, input=IMAGE, opsets=(13, 17), classes=NUM_CLASSES),
    'audio_conv1d': dict(build=AudioNet, input=[BATCH, 1, 256], opsets=(11, 13, 17), classes=NUM_CLASSES),
}


# ---------------------------------------------------------------------------
# Making, exporting, checking


def perturb(model, gen):
    """BatchNorm statistics, scales and shifts off identity; zero biases non-zero."""
    def u(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=gen, dtype=t.dtype) * (hi - lo) + lo)

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                u(m.running_mean, -0.1, 0.1)
                u(m.running_var, 0.8, 1.2)
                u(m.weight, 0.8, 1.2)
                u(m.bias, -0.1, 0.1)
            elif isinstance(m, nn.LayerNorm):
                u(m.weight, 0.8, 1.2)
                u(m.bias, -0.1, 0.1)
        for name, p in model.named_parameters():
            if name.endswith('bias') and bool((p == 0).all()):
                u(p, -0.05, 0.05)


def reference(model, x, labels):
    """Float64 loss and gradients, and an SGD fine-tune reference on the same batch."""
    ref = model.double().eval()
    xd = torch.from_numpy(x).double()
    lab = torch.from_numpy(labels)
    params = list(ref.named_parameters())
    loss = F.cross_entropy(ref(xd), lab)
    grads = torch.autograd.grad(loss, [p for _, p in params])
    flat = torch.cat([g.reshape(-1) for g in grads]).numpy()
    start = [p.detach().clone() for _, p in params]
    finetune = None
    for lr in SGD_RATES:
        losses = []
        with torch.no_grad():
            for p, s in zip((p for _, p in params), start):
                p.copy_(s)
        for _ in range(SGD_STEPS):
            l = F.cross_entropy(ref(xd), lab)
            gs = torch.autograd.grad(l, [p for _, p in params])
            losses.append(l.item())
            with torch.no_grad():
                for (_, p), g in zip(params, gs):
                    p -= lr * g
        with torch.no_grad():
            losses.append(F.cross_entropy(ref(xd), lab).item())
        # the largest rate whose steps lower the loss each time without collapsing it: float32 and
        # float64 runs of a gentle descent stay comparable step for step
        if all(b < a for a, b in zip(losses, losses[1:])):
            finetune = dict(optimizer='sgd', lr=lr, steps=SGD_STEPS, losses=losses)
            if losses[-1] > 0.5 * losses[0]:
                break
    with torch.no_grad():
        for p, s in zip((p for _, p in params), start):
            p.copy_(s)
    return loss.item(), flat, [(n, list(p.shape)) for n, p in params], finetune


def match_params(onnx_model, named_values):
    """Map each torch parameter to the initializer holding it: same name, else same values
    (possibly transposed, as the exporter folds Linear's weight.t() into a MatMul operand)."""
    inits = {t.name: numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    used = set()
    mapped, unmatched = [], []
    for tname, value in named_values:
        found = None
        a = inits.get(tname)
        if a is not None and a.shape == value.shape and np.array_equal(a, value):
            found = (tname, 'none')
        else:
            for iname, arr in inits.items():
                if iname in used or arr.dtype != np.float32:
                    continue
                if arr.shape == value.shape and np.array_equal(arr, value):
                    found = (iname, 'none')
                elif value.ndim == 2 and arr.shape == value.T.shape and np.array_equal(arr, value.T):
                    found = (iname, 'transpose')
                if found:
                    break
        if found is None:
            reason = 'no initializer holds these values (the exporter folded or inlined the parameter)'
            unmatched.append(dict(torch=tname, reason=reason))
            continue
        used.add(found[0])
        mapped.append((tname, found[0], found[1], list(inits[found[0]].shape)))
    return mapped, unmatched


def export(model, name, opset, shape, dynamic):
    path = os.path.join(OUT, f'{name}-opset{opset}.onnx')
    x = torch.zeros(shape)
    axes = {'input': {0: 'batch'}, 'logits': {0: 'rows' if name == 'unet' else 'batch'}} if dynamic else None
    torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=['logits'],
                      dynamic_axes=axes, do_constant_folding=True, training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return path, m


def make(name, spec):
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED + 1)
    model = spec['build']()
    perturb(model, gen)
    model.eval()
    x = torch.randn(spec['input'], generator=gen).numpy().astype(np.float32)
    rows = spec.get('rows', BATCH)
    labels = torch.randint(0, spec['classes'], (rows,), generator=gen).numpy().astype(np.int64)
    named_values = [(n, p.detach().numpy().copy()) for n, p in model.named_parameters()]
    bn_modules = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())

    exports = []
    for opset in spec['opsets']:
        dynamic = opset in DYNAMIC_OPSETS
        path, m = export(model, name, opset, spec['input'], dynamic)
        bn_nodes = sum(n.op_type == 'BatchNormalization' for n in m.graph.node)
        if bn_nodes != bn_modules:
            raise RuntimeError(f'{path}: {bn_nodes} BatchNormalization nodes for {bn_modules} BatchNorm modules')
        mapped, unmatched = match_params(m, named_values)
        ops = sorted({n.op_type for n in m.graph.node})
        exports.append(dict(opset=opset, onnx=os.path.basename(path), batch='dynamic' if dynamic else 'fixed',
                            batchNormNodes=bn_nodes, ops=ops, mapped=mapped, unmatched=unmatched))

    loss, flat, shapes, finetune = reference(model, x, labels)
    offsets, at = {}, 0
    for n, s in shapes:
        offsets[n] = (at, int(np.prod(s)) if s else 1, s)
        at += offsets[n][1]
    for e in exports:
        e['params'] = [dict(onnx=onnx_name, torch=tname, dims=dims, torchDims=offsets[tname][2],
                            offset=offsets[tname][0], size=offsets[tname][1], transform=transform)
                       for tname, onnx_name, transform, dims in e.pop('mapped')]

    np.save(os.path.join(OUT, f'{name}.x.npy'), x)
    np.save(os.path.join(OUT, f'{name}.labels.npy'), labels)
    np.save(os.path.join(OUT, f'{name}.grads.npy'), flat.astype(np.float32))
    manifest = dict(
        model=name,
        torch=torch.__version__, torchvision=torchvision.__version__,
        input='input', output='logits', inputShape=spec['input'], classes=spec['classes'],
        x=f'{name}.x.npy', labels=f'{name}.labels.npy', grads=f'{name}.grads.npy',
        gradsLayout='float32, every torch parameter flattened (row-major, torch layout) and concatenated in '
                    'named_parameters() order; `offset`/`size` index it. transform "transpose": the ONNX '
                    'initializer holds the transpose of the 2-D torch parameter',
        loss=loss, lossDefinition=spec.get('loss', CE),
        reference='torch float64 (model.double(), eval mode: BatchNorm uses its running statistics) on the '
                  'float32 input values',
        finetune=finetune,
        exports=exports,
    )
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    return manifest


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    names = argv or list(MODELS)
    for name in names:
        m = make(name, MODELS[name])
        lost = sum(len(e['unmatched']) for e in m['exports'])
        ft = m['finetune']
        print(f"{name}: loss {m['loss']:.5f}, {len(m['exports'][0]['params'])} parameters, "
              f"unmatched {lost}, sgd lr {ft['lr'] if ft else None}", flush=True)
    total = 0
    print('\nsize summary (test/fixtures/torch):')
    for f in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, f))
        total += size
        if f.endswith('.onnx') or f.endswith('.grads.npy'):
            print(f'  {f:40s} {size / 1024:8.1f} KB')
    print(f'  total {total / 1024 / 1024:.2f} MB in {len(os.listdir(OUT))} files')


if __name__ == '__main__':
    main(sys.argv[1:])
