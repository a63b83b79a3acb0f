"""Training throughput of each lesson model: the course trainer against a seed-style reference loop.

    python benchmarks/throughput.py --batch-size 256 --steps 10 --out benchmarks/results/throughput.md

Both sides use the same network, batch size, loss, precision (fp32) and thread count, measured
one after the other in one run. The reference is written the way the seed material writes it:

* a torch ``Dataset`` whose ``__getitem__`` applies ``ToTensor()`` and ``Normalize`` per sample,
  read through a ``DataLoader``;
* G runs once; D runs on the detached fakes for its update, then a second time on the fakes
  for G's update;
* ``.item()`` on both losses after every step;
* torch's ``nn.Dropout`` where the course's networks use ``FastDropout`` (same distribution,
  cheaper mask; everything else about the networks is identical).

The course side is ``gancourse.train.Trainer`` with in-memory ``Batches``, measured as users meet
it and as it was before:

* **before**: one G forward per step, torch's own layers, NCHW, Adam per tensor, fp32 (the
  defaults up to issue 19), and the two-forward step before that;
* **defaults**: ``TrainConfig()`` as it is now: fused Adam where available, each convolution's
  algorithm and each network's memory layout timed on this machine (``autotune.py``: torch's,
  the four-phase decomposition, the DFT; the same function), fp32; where the hardware has bf16
  natively, also with ``precision="bf16"``;
* **simultaneous**: the defaults with the TF tutorial's update (a different algorithm).

Images per second count real images consumed by D updates. For BigGAN both sides use the hinge
loss with one D step per G step, so the loops compare like for like. ``--device cuda`` runs both
sides on the GPU (the reference's batches are copied there per step, as the seed's loop would).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from gancourse import registry
from gancourse.data import Batches, load_dataset
from gancourse.losses import get_loss
from gancourse.tensors import call
from gancourse.train import GANSteps, Trainer
from gancourse.train.speed import native_bf16
from gancourse.utils import choose_device

sys.path.insert(0, str(Path(__file__).parent))
from quality import MODELS, machine, model_config  # noqa: E402
from report import save_report  # noqa: E402


class SeedStyleDataset(Dataset):
    """Per-sample transforms, as in the seed material."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        from torchvision import transforms

        self.images, self.labels = images[:, 0].numpy(), labels
        self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def _build(kind: str, data, device):
    torch.manual_seed(0)
    G, D = (net.to(device) for net in registry.build(kind, asdict(model_config(kind, data))))
    betas = (0.5, 0.999)
    return G, D, torch.optim.Adam(G.parameters(), 2e-4, betas=betas), torch.optim.Adam(D.parameters(), 2e-4, betas=betas)


def _standard_layers(net: torch.nn.Module) -> torch.nn.Module:
    """The seed's layers: torch's own ``nn.Dropout`` in place of the course's faster-masked one."""
    from gancourse.nets.blocks import FastDropout

    for name, child in net.named_children():
        if isinstance(child, FastDropout):
            setattr(net, name, torch.nn.Dropout(child.p))
        else:
            _standard_layers(child)
    return net


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reference(kind: str, data, batch_size: int, steps: int, warmup: int = 2, device=torch.device("cpu")) -> float:
    G, D, opt_G, opt_D = _build(kind, data, device)
    G, D = _standard_layers(G), _standard_layers(D)
    loss = get_loss(registry.get(kind).train.loss)
    cond = registry.is_conditional(kind)
    z_dim = G.cfg.z_dim
    loader = iter(DataLoader(SeedStyleDataset(data.images, data.labels), batch_size=batch_size, shuffle=True, drop_last=True))
    for step in range(warmup + steps):
        if step == warmup:
            _sync(device)
            start = time.perf_counter()
        x, y = next(loader)
        x, y = x.to(device), y.to(device)
        args = (y,) if cond else ()
        fake = G(torch.randn(len(x), z_dim, device=device), *args)
        opt_D.zero_grad()
        loss_D = loss.d(D(x, *args), D(fake.detach(), *args))  # the detached D pass
        loss_D.backward()
        opt_D.step()
        opt_G.zero_grad()
        loss_G = loss.g(D(fake, *args))  # a second D pass on the fakes
        loss_G.backward()
        opt_G.step()
        loss_D.item(), loss_G.item()  # a host sync on every step
    return batch_size * steps / (time.perf_counter() - start)


BEFORE = {"conv": "torch", "channels_last": False, "fused_adam": False, "precision": "fp32"}  # defaults up to issue 19


class TwoForwardSteps(GANSteps):
    """The step before the one-forward contract: G(z) without a graph for D's update, then G(z) again for G's."""

    def step(self, G, D, opt_G, opt_D, batch, update_g):
        real, y = batch
        extra = {} if y is None else {"y": y}
        z = torch.randn(len(real), self.z_dim, device=real.device)  # (N, z_dim)
        with torch.no_grad():
            fake = call(G, z, y)  # (N, C, H, W), for D only
        logs = self.d_step(D, opt_D, real, fake, self.loss.d, **extra)
        if update_g:
            logs = {**logs, **self.g_step(D, opt_G, call(G, z, y), self._g_loss(G), **extra)}  # the second forward
        return logs


def tensorflow_tutorial(python: str, batch_size: int, steps: int, threads: int | None) -> dict | None:
    """The TF tutorial's train_step timed by ``tf_tutorial.py`` in ``python`` (None where that fails)."""
    cmd = [python, str(Path(__file__).with_name("tf_tutorial.py")), "--batch-size", str(batch_size),
           "--steps", str(steps), "--threads", str(threads or 0)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"TensorFlow tutorial not measured: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def course(kind: str, data, batch_size: int, steps: int, warmup: int = 2, two_forward: bool = False,
           device=torch.device("cpu"), **speed) -> float:
    G, D, _, _ = _build(kind, data, device)
    how = registry.get(kind)
    cond = how.conditional
    cfg = replace(how.train, d_steps=1, ema_decay=0.0, lr_g=2e-4, lr_d=2e-4, beta1=0.5, epochs=1, log_every=20, **speed)
    labels = data.labels if cond else None
    warm = Batches(data.images, labels, batch_size, device, limit=batch_size * warmup)
    if two_forward:  # the same loss, labels and G penalty; G runs twice per step
        steps_obj = TwoForwardSteps(G.cfg.z_dim, get_loss(cfg.loss), n_classes=G.cfg.n_classes if cond else 0,
                                    g_penalty=how.g_penalty)
    else:
        steps_obj = how.steps(G.cfg, cfg, data)
    trainer = Trainer(G, D, warm, steps_obj, cfg, progress=False, device=device)
    trainer.train_step(next(iter(warm)))  # the first step: autotuning where the options are "auto" (cached after)
    trainer.fit(1)  # warm-up epoch of `warmup` steps
    trainer.batches = Batches(data.images, labels, batch_size, device, limit=batch_size * steps, seed=1)
    _sync(device)
    start = time.perf_counter()
    trainer.fit(2)  # one timed epoch of `steps` steps, through the trainer's own loop
    _sync(device)
    return batch_size * steps / (time.perf_counter() - start)


def measure(kind: str, data, batch_size: int, steps: int, device: torch.device) -> dict:
    """Every column for one model, one after the other."""
    run = lambda **kw: course(kind, data, batch_size, steps, device=device, **kw)  # noqa: E731
    native = native_bf16(device)
    return {"model": kind, "reference": reference(kind, data, batch_size, steps, device=device),
            "two_forward": run(two_forward=True, **BEFORE) if kind != "biggan" else None,
            "before": run(**BEFORE), "defaults": run(),
            "defaults_bf16": run(precision="bf16") if native else None,
            "simultaneous": run(update="simultaneous")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--threads", type=int, default=None, help="default: torch's choice")
    p.add_argument("--out", default="benchmarks/results/throughput.md", help="never written over: -2, -3... if taken")
    p.add_argument("--tf-python", default=None, help="a Python with TensorFlow: times the TF tutorial's DCGAN in the "
                   "same run (default: this Python, if it has TensorFlow)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: the best available)")
    args = p.parse_args()
    if args.tf_python is None and importlib.util.find_spec("tensorflow") is not None:
        args.tf_python = sys.executable
    warnings.simplefilter("ignore")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    data = load_dataset("fashion-mnist", "train")
    rows = []
    for kind in args.models.split(","):
        rows.append(measure(kind, data, args.batch_size, args.steps, device))
        print(rows[-1], flush=True)
    tf = tensorflow_tutorial(args.tf_python, args.batch_size, args.steps, args.threads) if args.tf_python else None
    text = report(rows, tf, args.batch_size, args.steps)
    print(text)
    save_report(args.out, {"machine": machine(), "batch_size": args.batch_size, "rows": rows, "tensorflow_tutorial": tf}, text)


def report(rows: list[dict], tf: dict | None, batch_size: int, steps: int) -> str:
    def cell(v, ref):
        return "–" if v is None else f"{v:.0f} ({v / ref:.2f}×)"

    lines = [f"### Training throughput in images/s, batch {batch_size}, {steps} timed steps after 2 warm-up steps",
             "", f"Machine: {machine()}. Ratios are against the reference measured in the same run.", "",
             "| model | seed-style reference, fp32 | two G forwards per step (before the steps protocol) | "
             "before issue 19: torch layers, NCHW, Adam per tensor, fp32 | **defaults now** (autotuned layers and layout, "
             "fused Adam, fp32) | defaults in bf16 (native bf16 only) | defaults + simultaneous update |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['model']} | {r['reference']:.0f} | {cell(r['two_forward'], r['reference'])} | "
              f"{cell(r['before'], r['reference'])} | {cell(r['defaults'], r['reference'])} | "
              f"{cell(r['defaults_bf16'], r['reference'])} | {cell(r['simultaneous'], r['reference'])} |" for r in rows]
    dcgan = next((r for r in rows if r["model"] == "dcgan"), None)
    if tf is not None and dcgan is not None:
        lines += ["", f"TensorFlow {tf['tensorflow']} tutorial's DCGAN (`benchmarks/tf_tutorial.py`, `tf.function`, same batch "
                  f"and threads, the same run): **{tf['images_per_s']:.0f}** images/s. The course's DCGAN against it: "
                  f"before {dcgan['before'] / tf['images_per_s']:.2f}×, defaults {dcgan['defaults'] / tf['images_per_s']:.2f}×, "
                  "with the simultaneous update "
                  f"{dcgan['simultaneous'] / tf['images_per_s']:.2f}×."]
    elif dcgan is not None:
        lines += ["", "TensorFlow not measured: pass `--tf-python` (a Python with TensorFlow) to time its tutorial in the same run."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
