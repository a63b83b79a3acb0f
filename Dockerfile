# The grading sandbox's image, for `gancourse grade --sandbox docker` (or podman) on macOS, Windows or Linux.
# Build it once, in this folder, with network:
#     docker build -t gancourse-grader .
# Grading with it is then offline: each notebook runs in its own container of this image, with no network,
# a read-only filesystem, an unprivileged user and memory/CPU/process limits (gancourse/sandbox/container.py).
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /opt/gancourse
COPY requirements requirements
# CPU wheels of the tested torch/torchvision (the local version +cpu satisfies the constraints' pins).
RUN pip install --index-url https://download.pytorch.org/whl/cpu \
        "torch==$(sed -n 's/^torch==//p' requirements/constraints.txt)" \
        "torchvision==$(sed -n 's/^torchvision==//p' requirements/constraints.txt)"
COPY pyproject.toml README.md LICENSE ./
COPY gancourse gancourse
COPY solutions solutions
COPY lessons lessons
RUN pip install -c requirements/constraints.txt . && python -c "import gancourse.sandbox.runner, IPython, torch"
USER 65534:65534
WORKDIR /work
CMD ["python", "-m", "gancourse.sandbox.runner", "0", "1"]
