"""Training throughput of each lesson model: the course trainer against a seed-style reference loop.

    python benchmarks/throughput.py --batch-size 256 --steps 10 --out docs/throughput.md

Both sides use the same network, batch size, loss, precision (fp32) and thread count, measured
one after the other in one run. The reference is written the way the seed material writes it:

* a torch ``Dataset`` whose ``__getitem__`` applies ``ToTensor()`` and ``Normalize`` per sample,
  read through a ``DataLoader``;
* G runs once; D runs on the detached fakes for its update, then a second time on the fakes
  for G's update;
* ``.item()`` on both losses after every step;
* torch's ``nn.Dropout`` where the course's networks use ``FastDropout`` (same distribution,
  cheaper mask; everything else about the networks is identical).

The course side is ``gancourse.train.Trainer`` with in-memory ``Batches``, measured three ways:
its defaults (the alternating update the lessons teach), the speed options in fp32
(simultaneous update, ``channels_last``, fused Adam, DFT-domain convolutions from
``gancourse/dftconv.py``: the same layers computed with fewer multiplications), and the same
with bf16 autocast (only where the CPU has native bf16, or on CUDA; the DFT layers stay fp32). Images per second count real images consumed by D updates. For BigGAN
both sides use the hinge loss with one D step per G step, so the loops compare like for like.
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
from gancourse.utils import cpu_has_bf16

sys.path.insert(0, str(Path(__file__).parent))
from quality import MODELS, machine, model_config  # noqa: E402


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


def _build(kind: str, data):
    torch.manual_seed(0)
    G, D = registry.build(kind, asdict(model_config(kind, data)))
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


def reference(kind: str, data, batch_size: int, steps: int, warmup: int = 2) -> float:
    G, D, opt_G, opt_D = _build(kind, data)
    G, D = _standard_layers(G), _standard_layers(D)
    loss = get_loss(registry.get(kind).train.loss)
    cond = registry.is_conditional(kind)
    z_dim = G.cfg.z_dim
    loader = iter(DataLoader(SeedStyleDataset(data.images, data.labels), batch_size=batch_size, shuffle=True, drop_last=True))
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        x, y = next(loader)
        args = (y,) if cond else ()
        fake = G(torch.randn(len(x), z_dim), *args)
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


SAME_MATHS = {"channels_last": True, "fused_adam": True, "dft_conv": True}  # the alternating algorithm, computed faster
FAST = {"update": "simultaneous", **SAME_MATHS}


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


def course(kind: str, data, batch_size: int, steps: int, warmup: int = 2, two_forward: bool = False, **speed) -> float:
    G, D, opt_G, opt_D = _build(kind, data)
    how = registry.get(kind)
    cond = how.conditional
    cfg = replace(how.train, d_steps=1, ema_decay=0.0, lr_g=2e-4, lr_d=2e-4, beta1=0.5, epochs=1, log_every=20, **speed)
    if speed.get("fused_adam"):
        opt_G, opt_D = (torch.optim.Adam(n.parameters(), 2e-4, betas=(0.5, 0.999), fused=True) for n in (G, D))
    labels = data.labels if cond else None
    warm = Batches(data.images, labels, batch_size, limit=batch_size * warmup)
    if two_forward:  # the same loss, labels and G penalty; G runs twice per step
        steps_obj = TwoForwardSteps(G.cfg.z_dim, get_loss(cfg.loss), n_classes=G.cfg.n_classes if cond else 0,
                                    g_penalty=how.g_penalty)
    else:
        steps_obj = how.steps(G.cfg, cfg, data)
    trainer = Trainer(G, D, warm, steps_obj, cfg, optimizers=(opt_G, opt_D), progress=False)
    trainer.fit(1)  # warm-up epoch of `warmup` steps
    trainer.batches = Batches(data.images, labels, batch_size, limit=batch_size * steps, seed=1)
    start = time.perf_counter()
    trainer.fit(2)  # one timed epoch of `steps` steps, through the trainer's own loop
    return batch_size * steps / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--threads", type=int, default=None, help="default: torch's choice")
    p.add_argument("--out", default="docs/throughput.md")
    p.add_argument("--tf-python", default=None, help="a Python with TensorFlow: times the TF tutorial's DCGAN in the "
                   "same run (default: this Python, if it has TensorFlow)")
    args = p.parse_args()
    if args.tf_python is None and importlib.util.find_spec("tensorflow") is not None:
        args.tf_python = sys.executable
    warnings.simplefilter("ignore")
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_dataset("fashion-mnist", "train")
    bf16 = torch.cuda.is_available() or cpu_has_bf16()
    rows = []
    for kind in args.models.split(","):
        row = {"model": kind, "reference": reference(kind, data, args.batch_size, args.steps)}
        row["course"] = course(kind, data, args.batch_size, args.steps)
        row["two_forward"] = course(kind, data, args.batch_size, args.steps, two_forward=True) if kind != "biggan" else None
        row["same_maths"] = course(kind, data, args.batch_size, args.steps, **SAME_MATHS)
        row["fast_fp32"] = course(kind, data, args.batch_size, args.steps, **FAST)
        row["fast_bf16"] = course(kind, data, args.batch_size, args.steps, **FAST, precision="bf16") if bf16 else None
        rows.append(row)
        print(row, flush=True)

    def cell(v, ref):
        return "–" if v is None else f"{v:.0f} ({v / ref:.2f}×)"

    lines = [f"### Training throughput in images/s, batch {args.batch_size}, {args.steps} timed steps after 2 warm-up steps",
             "", f"Machine: {machine()}. Ratios are against the reference measured in the same run."
             + ("" if bf16 else " This CPU has no native bf16 (avx512_bf16/AMX), so the bf16 column is not measured."), "",
             "| model | seed-style reference, fp32 | course trainer, two G forwards per step (before) | "
             "course trainer, defaults (alternating, one G forward, fp32) | "
             "alternating + channels_last + fused Adam + DFT convolutions, fp32 | "
             "simultaneous + the same options, fp32 | the same, bf16 autocast |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['model']} | {r['reference']:.0f} | {cell(r['two_forward'], r['reference'])} | "
              f"{cell(r['course'], r['reference'])} | {cell(r['same_maths'], r['reference'])} | "
              f"{cell(r['fast_fp32'], r['reference'])} | "
              f"{cell(r['fast_bf16'], r['reference'])} |" for r in rows]
    tf = tensorflow_tutorial(args.tf_python, args.batch_size, args.steps, args.threads) if args.tf_python else None
    dcgan = next((r for r in rows if r["model"] == "dcgan"), None)
    if tf is not None and dcgan is not None:
        lines += ["", f"TensorFlow {tf['tensorflow']} tutorial's DCGAN (`benchmarks/tf_tutorial.py`, `tf.function`, same batch "
                  f"and threads, the same run): **{tf['images_per_s']:.0f}** images/s. The course's DCGAN against it: "
                  f"defaults {dcgan['course'] / tf['images_per_s']:.2f}×, the same algorithm with the speed options "
                  f"{dcgan['same_maths'] / tf['images_per_s']:.2f}×, simultaneous with them "
                  f"{dcgan['fast_fp32'] / tf['images_per_s']:.2f}×."]
    elif dcgan is not None:
        lines += ["", "TensorFlow not measured: pass `--tf-python` (a Python with TensorFlow) to time its tutorial in the same run."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps({"machine": machine(), "batch_size": args.batch_size, "rows": rows,
                                                     "tensorflow_tutorial": tf}, indent=1))


if __name__ == "__main__":
    main()
