#!/usr/bin/env python3
"""Writes small torch-format checkpoints for weights-tools tests, without torch.

torch is not installed where these were made, so this script reproduces what torch.save does with the
standard library's own pickler (protocol 2, as torch uses): tensors reduce to
torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()), storages
become persistent ids ('storage', torch.FloatStorage, key, 'cpu', numel), and the zip holds
archive/data.pkl, archive/data/<key>, version files. Fake 'torch' modules make pickle write the same
GLOBAL names torch writes; nothing here is executed when the files are read (the Java reader refuses to
execute anything anyway). The legacy (pre-1.6) layout follows torch.serialization._legacy_save.

Every float32 tensor element is value(t, i) = t + i / 1024 (exact), t the tensor's index in the state
dict; float16 tensors hold 1 + i / 1024 (exact for i < 1024); int64 ones t * 1000 + i. Tests check bytes
against these formulas, without a sidecar file.

Usage: python3 weights-tools/scripts/make-torch-like-fixtures.py weights-tools/src/test/resources/torch
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

# ---- fake modules so that pickle writes torch's global names ------------------------------------------
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
torch._utils = utils


def _fn(module, name):
    def f(*a):
        raise RuntimeError("fixture stand-in, never called")
    f.__module__, f.__name__, f.__qualname__ = module.__name__, name, name
    setattr(module, name, f)
    return f


rebuild_v2 = _fn(utils, "_rebuild_tensor_v2")
rebuild_v1 = _fn(utils, "_rebuild_tensor")
rebuild_param = _fn(utils, "_rebuild_parameter")

STORAGE = {}
for cls, code, size in [("FloatStorage", "f", 4), ("HalfStorage", "e", 2), ("LongStorage", "q", 8)]:
    c = type(cls, (), {"__module__": "torch"})
    setattr(torch, cls, c)
    STORAGE[cls] = (c, code, size)

for name in ("pytorch_lightning", "pytorch_lightning.callbacks"):
    sys.modules[name] = types.ModuleType(name)
pl = types.ModuleType("pytorch_lightning.callbacks.model_checkpoint")
sys.modules["pytorch_lightning.callbacks.model_checkpoint"] = pl
ModelCheckpoint = type("ModelCheckpoint", (), {"__module__": pl.__name__})
pl.ModelCheckpoint = ModelCheckpoint


class Storage:
    def __init__(self, kind, key, values):
        self.kind, self.key, self.values = kind, key, values

    def raw(self):
        _, code, _ = STORAGE[self.kind]
        return struct.pack("<%d%s" % (len(self.values), code), *self.values)


class Tensor:
    def __init__(self, storage, offset, size, stride, v1=False):
        self.storage, self.offset, self.size, self.stride, self.v1 = storage, offset, size, stride, v1

    def __reduce_ex__(self, protocol):
        if self.v1:  # torch < 0.4
            return rebuild_v1, (self.storage, self.offset, tuple(self.size), tuple(self.stride))
        return rebuild_v2, (self.storage, self.offset, tuple(self.size), tuple(self.stride), False, collections.OrderedDict())


class Parameter:
    def __init__(self, t):
        self.t = t

    def __reduce_ex__(self, protocol):
        return rebuild_param, (self.t, True, collections.OrderedDict())


class TorchPickler(pickle.Pickler):
    def __init__(self, f, legacy=False):
        super().__init__(f, protocol=2)
        self.legacy, self.seen = legacy, {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.seen[obj.key] = obj
            pid = ("storage", STORAGE[obj.kind][0], obj.key, "cpu", len(obj.values))
            return pid + (None,) if self.legacy else pid
        return None


def value(t, i):
    return t + i / 1024.0


def contiguous(t, key, kind, shape, v1=False):
    n = 1
    for d in shape:
        n *= d
    stride, acc = [], 1
    for d in reversed(shape):
        stride.insert(0, acc)
        acc *= d
    if kind == "LongStorage":
        vals = [t * 1000 + i for i in range(n)]
    elif kind == "HalfStorage":  # float16 resolves 1/1024 steps only in [1, 2): always t = 1 there
        vals = [value(1, i) for i in range(n)]
    else:
        vals = [value(t, i) for i in range(n)]
    return Tensor(Storage(kind, key, vals), 0, list(shape), stride, v1)


def vgg16_state_dict(v1=False, tiny=8):
    """torchvision vgg16 names (features + classifier) with channels divided to keep the file small."""
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    sd, idx, cin, t = collections.OrderedDict(), 0, 3, 0
    for v in cfg:
        if v == "M":
            idx += 1
            continue
        cout = max(1, v // (tiny * 8))
        sd["features.%d.weight" % idx] = contiguous(t, str(t), "FloatStorage", [cout, cin, 3, 3], v1); t += 1
        sd["features.%d.bias" % idx] = contiguous(t, str(t), "FloatStorage", [cout], v1); t += 1
        cin, idx = cout, idx + 2
    for i, (o, n) in enumerate([(8, cin * 7 * 7), (8, 8), (10, 8)]):
        sd["classifier.%d.weight" % (3 * i)] = contiguous(t, str(t), "FloatStorage", [o, n], v1); t += 1
        sd["classifier.%d.bias" % (3 * i)] = contiguous(t, str(t), "FloatStorage", [o], v1); t += 1
    return sd, t


def write_zip(path, obj, prefix="archive"):
    buf = io.BytesIO()
    p = TorchPickler(buf)
    p.dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        z = Reproducible(zf)
        z.writestr(prefix + "/data.pkl", buf.getvalue())
        z.writestr(prefix + "/.format_version", "1")
        z.writestr(prefix + "/.storage_alignment", "64")
        z.writestr(prefix + "/byteorder", "little")
        for key in sorted(p.seen):
            z.writestr(prefix + "/data/" + key, p.seen[key].raw())
        z.writestr(prefix + "/version", "3\n")
        z.writestr(prefix + "/.data/serialization_id", "0123456789012345678901234567890123456789")


class Reproducible:
    """writestr with a fixed timestamp, so regenerating gives byte-identical files."""

    def __init__(self, zf):
        self.zf = zf

    def writestr(self, name, data):
        self.zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def write_legacy(path, obj):
    f = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 8}}, f, protocol=2)
    p = TorchPickler(f, legacy=True)
    p.dump(obj)
    keys = sorted(p.seen)
    pickle.dump(keys, f, protocol=2)
    for k in keys:
        s = p.seen[k]
        f.write(struct.pack("<q", len(s.values)))
        f.write(s.raw())
    with open(path, "wb") as out:
        out.write(f.getvalue())


def main(out):
    os.makedirs(out, exist_ok=True)
    # 1. torchvision-style VGG16 state dict (zip), plus views: a transposed view and two tensors sharing a storage.
    sd, t = vgg16_state_dict()
    base = contiguous(t, str(t), "FloatStorage", [2, 3]); t += 1
    sd["extra.transposed"] = Tensor(base.storage, 0, [3, 2], [1, 3])
    sd["extra.row1"] = Tensor(base.storage, 3, [3], [1])
    sd["extra.half"] = contiguous(t, str(t), "HalfStorage", [4]); t += 1
    sd["extra.num_batches_tracked"] = contiguous(t, str(t), "LongStorage", []); t += 1
    sd["extra.param"] = Parameter(contiguous(t, str(t), "FloatStorage", [2])); t += 1
    write_zip(os.path.join(out, "vgg16_like.pth"), sd)
    # 2. Many keys: SETITEMS batches of 1000 and memo ids above 255 (LONG_BINPUT / LONG_BINGET). All tensors
    #    are one-element views of one storage (element i = value(0, i)), which keeps the zip small.
    shared = Storage("FloatStorage", "0", [value(0, i) for i in range(1100)])
    many = collections.OrderedDict(("layer.%d.w" % i, Tensor(shared, i, [1], [1])) for i in range(1100))
    write_zip(os.path.join(out, "many_keys.pt"), many, prefix="many_keys")
    # 3. A Lightning 1.x SD-style checkpoint with callbacks keyed by class and a real numpy scalar.
    state = collections.OrderedDict()
    state["model.diffusion_model.out.2.bias"] = contiguous(0, "0", "FloatStorage", [4])
    state["model_ema.decay"] = contiguous(1, "1", "FloatStorage", [])
    ckpt = {"epoch": 6, "global_step": 470000, "pytorch-lightning_version": "1.4.2", "state_dict": state,
            "callbacks": {ModelCheckpoint: {"best_model_score": np.float64(0.5), "best_model_path": "/x/last.ckpt",
                                            "monitor": None, "dirpath": "/x"}},
            "optimizer_states": [], "lr_schedulers": []}
    write_zip(os.path.join(out, "sd_lightning_like.ckpt"), ckpt)
    # 4. Legacy (pre-1.6) file as old torchvision downloads are: _rebuild_tensor v1, 6-field persistent ids.
    sd, _ = vgg16_state_dict(v1=True)
    write_legacy(os.path.join(out, "vgg16_legacy_like.pth"), sd)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
