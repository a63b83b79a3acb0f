"""Run by tests/test_distributed.py under torchrun: a few DDP steps, then each rank dumps its weights.

python -m torch.distributed.run --nproc_per_node=2 tests/ddp_worker.py OUT_DIR
"""

import sys
from pathlib import Path

import torch

from gancourse import nets, registry
from gancourse.data import Batches
from gancourse.train import GANSteps, TrainConfig, Trainer, unwrap_ddp
from gancourse.train.distributed import barrier_and_close, init_from_env, shard, wrap

out = Path(sys.argv[1])
d = init_from_env(torch.device("cpu"))
assert d is not None and d.world == 2, "run me with torchrun --nproc_per_node=2"
torch.manual_seed(0)  # the same initial weights everywhere (DDP also broadcasts rank 0's)
G, D = registry.build("dcgan", {"width": 8})
images = torch.randint(0, 256, (64, 1, 28, 28), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)
mine, _ = shard(images, None, d)
torch.manual_seed(100 + d.rank)  # different noise on each rank
trainer = Trainer(
    wrap(G, d),
    wrap(D, d, broadcast_buffers=False),
    Batches(mine, None, 8, seed=d.rank),
    GANSteps(100),
    TrainConfig(epochs=1, log_every=1),
    progress=False,
    kind="dcgan",
    model_config=nets.DCGANConfig(width=8),
)
trainer.fit()
weights = torch.cat(
    [p.detach().flatten() for p in [*unwrap_ddp(trainer.G).parameters(), *unwrap_ddp(trainer.D).parameters()]]
)
torch.save({"weights": weights, "first_image": mine[0], "steps": trainer.step}, out / f"rank{d.rank}.pt")
if d.main:
    trainer.save_checkpoint(out / "ckpt.pt")
barrier_and_close()
