"""Fixture for edgetune's BatchNormalization training mode (`--bn train`).

Run from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 scripts/torch-fixtures/make_bn_train.py

`npm test` never runs this script; test/graph/passes/batch-norm-train.test.ts
reads what it writes to test/fixtures/torch-bn/:

    bn-net.onnx        a small CNN exported in eval mode with BatchNormalization
                       kept as nodes (BatchNorm2d twice, BatchNorm1d once),
                       opset 13, dynamic batch
    x.npy, labels.npy  the batch (float32 [4,3,8,8], int64 [4])
    grads.npy          float32: d(loss)/d(parameter) with the model in TRAIN
                       mode (batch statistics), computed in float64, every
                       named parameter flattened and concatenated in order
    running.npy        float32: every BatchNorm's running_mean and running_var
                       after that one train-mode forward pass, concatenated
    bn-net.json        the loss, and the names, dims and offsets of both
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

OUT = 'test/fixtures/torch-bn'


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, padding=1)
        self.b1 = nn.BatchNorm2d(4)
        self.c2 = nn.Conv2d(4, 6, 3, stride=2, padding=1)
        self.b2 = nn.BatchNorm2d(6, momentum=0.2, eps=1e-3)
        self.fc1 = nn.Linear(6, 8)
        self.b3 = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 5)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = torch.relu(self.b2(self.c2(x)))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc2(torch.tanh(self.b3(self.fc1(x))))


def main():
    torch.manual_seed(3)
    net = Net()
    for m in net.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.7, 1.3)
            m.weight.data.uniform_(0.7, 1.3)
            m.bias.data.uniform_(-0.2, 0.2)
    x = torch.randn(4, 3, 8, 8)
    labels = torch.tensor([0, 3, 1, 4])
    os.makedirs(OUT, exist_ok=True)
    net.eval()
    torch.onnx.export(net, x, f'{OUT}/bn-net.onnx', opset_version=13, input_names=['image'], output_names=['logits'],
                      dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}},
                      training=torch.onnx.TrainingMode.PRESERVE)
    ref = net.double().train()
    loss = nn.functional.cross_entropy(ref(x.double()), labels)
    loss.backward()
    params, grads, offset = [], [], 0
    for name, p in ref.named_parameters():
        params.append({'name': name, 'dims': list(p.shape), 'offset': offset})
        grads.append(p.grad.detach().numpy().astype(np.float32).ravel())
        offset += p.numel()
    running, stats, offset = [], [], 0
    for name, b in ref.named_buffers():
        if not (name.endswith('running_mean') or name.endswith('running_var')):
            continue
        stats.append({'name': name, 'dims': list(b.shape), 'offset': offset})
        running.append(b.detach().numpy().astype(np.float32).ravel())
        offset += b.numel()
    np.save(f'{OUT}/x.npy', x.numpy().astype(np.float32))
    np.save(f'{OUT}/labels.npy', labels.numpy().astype(np.int64))
    np.save(f'{OUT}/grads.npy', np.concatenate(grads))
    np.save(f'{OUT}/running.npy', np.concatenate(running))
    with open(f'{OUT}/bn-net.json', 'w') as f:
        json.dump({'loss': float(loss), 'params': params, 'running': stats}, f, indent=1)
    print('wrote', OUT, sorted(os.listdir(OUT)))


if __name__ == '__main__':
    main()
