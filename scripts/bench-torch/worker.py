"""PyTorch as a benchmarked system: a long-lived worker driven over stdin/stdout.

bench/peers/torch.ts starts this script with Debian's /usr/bin/python3 (torch
1.13, torchvision 0.14, onnx) and sends one JSON request per line; every
request gets one JSON line back: {"ok": true, ...} or {"ok": false, "error":
"..."}. Process start-up and model building are therefore never timed; the
timed blocks (`train`, `infer`, `matmul`) are loops inside this process,
timed with time.perf_counter around the loop.

Requests:

    {"op": "hello"}                        versions, BLAS and thread pools in use
    {"op": "threads", "n": 2}              torch.set_num_threads(n), and the BLAS pool
    {"op": "load", "arch": ..., "onnx": path, "trainable": [names] | null,
     "lr": 0.01}                           build the model from the .onnx initializers
    {"op": "data", "batches": [{"x": b64 float32, "dims": [...],
     "labels": b64 int64}, ...]}           the batches, sent once
    {"op": "step", "batch": i}             one SGD step on batch i: {"loss", "ms"}; the
                                           next `train` step takes batch i + 1
    {"op": "predict", "batch": i}          forward only: {"y": b64 float32, "dims"}
    {"op": "train", "steps": n}            n SGD steps through the batches in turn: {"ms"}
    {"op": "infer", "steps": n}            n forwards under torch.inference_mode: {"ms"}
    {"op": "matmul", "n": 1024, "steps": k}  k float32 n×n products: {"ms"}
    {"op": "rss"}                          {"peakRssMb": VmHWM, "rssMb": VmRSS}
    {"op": "ping"}                         {} (for the round-trip time)
    {"op": "exit"}

Architectures (`arch`):

    chain          a plain ONNX chain of the bench's LeNet-style ops, each node
                   reading the previous one's output: Conv, edgetune.TableConv
                   (conv2d with the kernel times the 0/1 connection table),
                   edgetune.Subsample (beta * 2-D sum pool + bias, per channel),
                   Tanh, Sigmoid, Relu, Flatten (axis 1), Gemm (alpha = beta =
                   1, transA = 0); parameters are the initializers by name
    resnet18       torchvision.models.resnet18 / mobilenet_v2 with 10 classes;
    mobilenet_v2   every state_dict entry is read from the initializer of the
                   same name (bench/models/cache/*.onnx, written by export.py)

The model stays in eval mode (BatchNorm uses its running statistics; the
affine parameters train); the loss is the mean cross-entropy, the optimizer
plain SGD (torch.optim.SGD, no momentum), over the parameters named in
`trainable` (all when null).
"""
import base64
import json
import os
import re
import resource
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

EDGETUNE_DOMAIN = 'edgetune'


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def key(name):
    """ParameterDict keys may not contain dots."""
    return name.replace('.', '__')


class Chain(nn.Module):
    """A plain chain of the bench's LeNet-style ONNX nodes with the initializers as parameters."""

    def __init__(self, model):
        super().__init__()
        inits = {i.name: numpy_helper.to_array(i).copy() for i in model.graph.initializer}
        self.weights = nn.ParameterDict()
        self.names = {}
        self.ops = []
        current = model.graph.input[0].name
        for node in model.graph.node:
            if node.input[0] != current:
                raise ValueError(f'node {node.name} does not read the previous output {current}')
            a = attrs(node)
            op = node.op_type
            custom = node.domain == EDGETUNE_DOMAIN
            for name in node.input[1:]:
                if name and key(name) not in self.weights:
                    if name not in inits:
                        raise ValueError(f'node {node.name}: input {name} is not an initializer')
                    self.weights[key(name)] = nn.Parameter(torch.from_numpy(inits[name]))
                    self.names[key(name)] = name
            ins = [key(n) if n else None for n in node.input[1:]]
            if op == 'Conv' or (custom and op == 'TableConv'):
                if a.get('group', 1) != 1 or any(d != 1 for d in a.get('dilations', [1, 1])):
                    raise ValueError(f'node {node.name}: group and dilations are not rebuilt')
                if a.get('auto_pad', b'NOTSET') not in (b'NOTSET', 'NOTSET'):
                    raise ValueError(f'node {node.name}: auto_pad is not rebuilt')
                pads = list(a.get('pads', [0, 0, 0, 0]))
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    raise ValueError(f'node {node.name}: asymmetric pads are not rebuilt')
                mask = None
                if op == 'TableConv':
                    w = inits[node.input[1]]
                    mask_name = f'mask_{len(self.ops)}'
                    t = torch.tensor(a['table'], dtype=torch.float32).reshape(w.shape[0], w.shape[1], 1, 1)
                    self.register_buffer(mask_name, t)
                    mask = mask_name
                self.ops.append(('conv', ins, dict(stride=tuple(a.get('strides', [1, 1])), padding=(pads[0], pads[1]), mask=mask)))
            elif custom and op == 'Subsample':
                self.ops.append(('subsample', ins, dict(size=a.get('size', 2))))
            elif op in ('Tanh', 'Sigmoid', 'Relu'):
                self.ops.append((op.lower(), ins, {}))
            elif op == 'Flatten':
                if a.get('axis', 1) != 1:
                    raise ValueError(f'node {node.name}: Flatten axis {a.get("axis")} is not rebuilt')
                self.ops.append(('flatten', ins, {}))
            elif op == 'Gemm':
                if a.get('transA', 0) or a.get('alpha', 1.0) != 1.0 or a.get('beta', 1.0) != 1.0:
                    raise ValueError(f'node {node.name}: transA, alpha and beta are not rebuilt')
                self.ops.append(('gemm', ins, dict(transB=bool(a.get('transB', 0)))))
            else:
                raise ValueError(f'node {node.name}: {node.domain + "." if custom else ""}{op} is not rebuilt')
            current = node.output[0]

    def named_onnx_parameters(self):
        return [(self.names[k], p) for k, p in self.weights.items()]

    def forward(self, x):
        w = self.weights
        for kind, ins, a in self.ops:
            if kind == 'conv':
                weight = w[ins[0]]
                if a['mask']:
                    weight = weight * getattr(self, a['mask'])
                bias = w[ins[1]] if len(ins) > 1 and ins[1] else None
                x = F.conv2d(x, weight, bias, stride=a['stride'], padding=a['padding'])
            elif kind == 'subsample':
                n = a['size']
                s = F.avg_pool2d(x, n, divisor_override=1)
                x = s * w[ins[0]].view(1, -1, 1, 1) + w[ins[1]].view(1, -1, 1, 1)
            elif kind == 'tanh':
                x = torch.tanh(x)
            elif kind == 'sigmoid':
                x = torch.sigmoid(x)
            elif kind == 'relu':
                x = F.relu(x)
            elif kind == 'flatten':
                x = torch.flatten(x, 1)
            elif kind == 'gemm':
                weight = w[ins[0]]
                bias = w[ins[1]] if len(ins) > 1 and ins[1] else None
                x = F.linear(x, weight if a['transB'] else weight.t(), bias)
        return x


def torchvision_model(arch, model):
    import torchvision
    build = {'resnet18': torchvision.models.resnet18, 'mobilenet_v2': torchvision.models.mobilenet_v2}
    if arch not in build:
        raise ValueError(f'unknown architecture {arch}')
    net = build[arch](num_classes=10)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    state = {}
    for name, value in net.state_dict().items():
        if name.endswith('num_batches_tracked'):
            state[name] = value
            continue
        if name not in inits:
            raise ValueError(f'{arch}: {name} is not an initializer of the export (run scripts/bench-torch/export.py)')
        a = inits[name]
        if tuple(a.shape) != tuple(value.shape):
            raise ValueError(f'{arch}: {name} has shape {list(a.shape)} in the export, {list(value.shape)} in torch')
        state[name] = torch.from_numpy(a.copy())
    net.load_state_dict(state)
    return net


def blas_libraries():
    """Shared objects mapped into this process whose name says BLAS or LAPACK."""
    seen = []
    with open('/proc/self/maps') as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and any(s in os.path.basename(parts[-1]) for s in ('blas', 'lapack')) and parts[-1] not in seen:
                seen.append(parts[-1])
    return seen


def pools():
    try:
        import threadpoolctl
        return [{k: v for k, v in p.items() if k in ('internal_api', 'filepath', 'version', 'num_threads', 'threading_layer')}
                for p in threadpoolctl.threadpool_info()]
    except ImportError:
        return None


def set_blas_threads(n):
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(limits=n, user_api='blas')
    except ImportError:
        pass


def b64_array(s, dtype, dims):
    return np.frombuffer(base64.b64decode(s), dtype=dtype).reshape(dims).copy()


class Worker:
    def __init__(self):
        self.model = None
        self.optimizer = None
        self.batches = []
        self.next = 0

    def hello(self, req):
        found = re.search(r'BLAS_INFO=(\w+)', torch.__config__.show())
        blas_info = found.group(1) if found else 'unknown'
        return dict(python=sys.version.split()[0], torch=torch.__version__, threads=torch.get_num_threads(),
                    interop=torch.get_num_interop_threads(), mkldnn=torch.backends.mkldnn.is_available(),
                    blasInfo=blas_info, blas=blas_libraries(), pools=pools(), pid=os.getpid())

    def threads(self, req):
        n = int(req['n'])
        torch.set_num_threads(n)
        set_blas_threads(n)
        return dict(threads=torch.get_num_threads(), pools=pools())

    def load(self, req):
        model = onnx.load(req['onnx'])
        arch = req['arch']
        if arch == 'chain':
            net = Chain(model)
            named = net.named_onnx_parameters()
        else:
            net = torchvision_model(arch, model)
            named = list(net.named_parameters())
        net.eval()
        trainable = req.get('trainable')
        if trainable is not None:
            missing = [n for n in trainable if n not in {name for name, _ in named}]
            if missing:
                raise ValueError(f'no parameter named {", ".join(missing)}')
        params = []
        for name, p in named:
            train = trainable is None or name in trainable
            p.requires_grad_(train)
            if train:
                params.append(p)
        self.model = net
        self.optimizer = torch.optim.SGD(params, lr=float(req['lr']))
        self.next = 0
        return dict(params=len(named), trained=len(params), values=sum(p.numel() for p in params))

    def data(self, req):
        self.batches = [(torch.from_numpy(b64_array(b['x'], '<f4', b['dims'])),
                         torch.from_numpy(b64_array(b['labels'], '<i8', [b['dims'][0]])))
                        for b in req['batches']]
        self.next = 0
        return dict(count=len(self.batches))

    def _step(self, i):
        x, y = self.batches[i % len(self.batches)]
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def step(self, req):
        i = int(req['batch'])
        t0 = time.perf_counter()
        loss = self._step(i)
        self.next = i + 1
        return dict(loss=loss, ms=(time.perf_counter() - t0) * 1000)

    def predict(self, req):
        x, _ = self.batches[int(req['batch'])]
        with torch.inference_mode():
            y = self.model(x).contiguous().numpy().astype('<f4')
        return dict(y=base64.b64encode(y.tobytes()).decode('ascii'), dims=list(y.shape))

    def train(self, req):
        n = int(req['steps'])
        t0 = time.perf_counter()
        for _ in range(n):
            self._step(self.next)
            self.next += 1
        return dict(ms=(time.perf_counter() - t0) * 1000)

    def infer(self, req):
        n = int(req['steps'])
        t0 = time.perf_counter()
        with torch.inference_mode():
            for _ in range(n):
                x, _ = self.batches[self.next % len(self.batches)]
                self.model(x)
                self.next += 1
        return dict(ms=(time.perf_counter() - t0) * 1000)

    def matmul(self, req):
        n, k = int(req['n']), int(req['steps'])
        if getattr(self, '_mm', None) is None or self._mm[0].shape[0] != n:
            g = torch.Generator().manual_seed(0)
            self._mm = (torch.rand(n, n, generator=g) * 2 - 1, torch.rand(n, n, generator=g) * 2 - 1)
        a, b = self._mm
        t0 = time.perf_counter()
        for _ in range(k):
            torch.mm(a, b)
        return dict(ms=(time.perf_counter() - t0) * 1000)

    def rss(self, req):
        # VmHWM is this address space's peak; getrusage's ru_maxrss also keeps the
        # peak of the process image before exec (the forked copy of the bench)
        status = {}
        with open('/proc/self/status') as f:
            for line in f:
                k, _, v = line.partition(':')
                status[k] = v.strip()
        kb = lambda k: int(status[k].split()[0]) / 1024 if k in status else None
        peak = kb('VmHWM')
        return dict(peakRssMb=peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    rssMb=kb('VmRSS'))

    def ping(self, req):
        return {}


OPS = ('hello', 'threads', 'load', 'data', 'step', 'predict', 'train', 'infer', 'matmul', 'rss', 'ping')


def main():
    worker = Worker()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req.get('op')
            if op == 'exit':
                break
            handler = getattr(worker, op) if op in OPS else None
            if handler is None:
                raise ValueError(f'unknown op {op!r}')
            res = dict(ok=True, **handler(req))
        except Exception as e:  # every failure goes back to the bench as one line
            res = dict(ok=False, error=f'{type(e).__name__}: {e}'.split('\n')[0][:500])
        out.write(json.dumps(res) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
