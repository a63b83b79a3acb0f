"""The TensorFlow DCGAN tutorial's ``train_step`` (seed 002), timed: the yardstick for ``throughput.py``.

    python benchmarks/tf_tutorial.py --batch-size 256 --steps 20 [--threads 2]

Runs in any Python that has TensorFlow (it does not import torch or gancourse), so it can live in
its own environment: ``throughput.py --tf-python /path/to/python`` calls it in a subprocess and
puts its images per second beside the course's, measured in the same run. Everything is the
tutorial's: the networks (Dense -> 7x7x256, three 5x5 Conv2DTranspose with BatchNorm and
LeakyReLU, tanh; D: two 5x5 stride-2 Conv2D with LeakyReLU and Dropout 0.3, Dense 1), BCE from
logits, Adam(1e-4) for both, one G forward per step with both gradients taken under two tapes,
``@tf.function``, a shuffled ``tf.data`` pipeline of the images in memory. The images are the
course's offline MNIST subset (``gancourse/data/files/mnist-5k.npz``, read with NumPy), so both
sides train on the same pixels. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

DIGITS = Path(__file__).resolve().parents[1] / "gancourse" / "data" / "files" / "mnist-5k.npz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20, help="timed steps, after 3 warm-up steps")
    ap.add_argument("--threads", type=int, default=0, help="intra- and inter-op threads (0: TensorFlow's choice)")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from tensorflow.keras import layers

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.random.set_seed(0)

    def make_generator_model():
        return tf.keras.Sequential(
            [
                layers.Input((100,)),
                layers.Dense(7 * 7 * 256, use_bias=False),
                layers.BatchNormalization(),
                layers.LeakyReLU(),
                layers.Reshape((7, 7, 256)),  # (N, 7, 7, 256)
                layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),  # (N, 7, 7, 128)
                layers.BatchNormalization(),
                layers.LeakyReLU(),
                layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),  # (N, 14, 14, 64)
                layers.BatchNormalization(),
                layers.LeakyReLU(),
                layers.Conv2DTranspose(
                    1, 5, strides=2, padding="same", use_bias=False, activation="tanh"
                ),  # (N, 28, 28, 1)
            ]
        )

    def make_discriminator_model():
        return tf.keras.Sequential(
            [
                layers.Input((28, 28, 1)),
                layers.Conv2D(64, 5, strides=2, padding="same"),
                layers.LeakyReLU(),
                layers.Dropout(0.3),  # (N, 14, 14, 64)
                layers.Conv2D(128, 5, strides=2, padding="same"),
                layers.LeakyReLU(),
                layers.Dropout(0.3),  # (N, 7, 7, 128)
                layers.Flatten(),
                layers.Dense(1),  # (N, 1) logits
            ]
        )

    generator, discriminator = make_generator_model(), make_discriminator_model()
    cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = tf.keras.optimizers.Adam(1e-4), tf.keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([tf.shape(images)[0], 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
                tf.zeros_like(fake_output), fake_output
            )
        for tape, loss, net, opt in (
            (gen_tape, gen_loss, generator, g_opt),
            (disc_tape, disc_loss, discriminator, d_opt),
        ):
            grads = tape.gradient(loss, net.trainable_variables)
            opt.apply_gradients(zip(grads, net.trainable_variables, strict=True))

    with np.load(DIGITS, allow_pickle=False) as f:
        images = (f["images"].astype("float32")[..., None] - 127.5) / 127.5  # (5000, 28, 28, 1) in [-1, 1]
    data = (
        tf.data.Dataset.from_tensor_slices(images)
        .shuffle(len(images), seed=0)
        .batch(args.batch_size, drop_remainder=True)
    )
    batches = iter(data.repeat())
    for _ in range(3):  # tracing and warm-up
        train_step(next(batches))
    start = time.perf_counter()
    for _ in range(args.steps):
        train_step(next(batches))
    _ = float(generator.trainable_variables[0][0, 0])  # wait for the last step
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "images_per_s": args.steps * args.batch_size / seconds,
                "steps": args.steps,
                "batch_size": args.batch_size,
                "tensorflow": tf.__version__,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
