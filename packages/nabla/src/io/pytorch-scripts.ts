/**
 * The fixed Python files of a PyTorch export (`toPyTorch`): a safetensors reader/writer that needs
 * only torch, and `train.py`, which runs the recipe in `recipe.json` under DistributedDataParallel.
 * They are text here (not files read at run time) so the export also works in a browser.
 */

/** `safetensors_io.py`: safetensors with torch alone (Debian's and many clusters' torch lack the package). */
export const SAFETENSORS_IO_PY = `"""safetensors files with torch alone: the format nabla reads and writes (written by nabla export)."""
import json
import os
import struct

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
CODES = {dtype: code for code, dtype in DTYPES.items()}


def load_file(path):
    """Tensors by name from a .safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        raw = bytearray(body[begin:end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def save_file(tensors, path, metadata=None):
    """Writes tensors (sorted by name) atomically: a temporary file, then a rename."""
    header = {"__metadata__": metadata} if metadata else {}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for chunk in chunks:
            f.write(chunk)
    os.replace(tmp, path)
`;

/** `train.py`: the recipe of `recipe.json` under DistributedDataParallel; one process or `torchrun`. */
export const TRAIN_PY = `"""Trains the exported nabla model with PyTorch (written by nabla export).

The recipe (data, split, preprocessing, optimizer, batch size, epochs, seed) is read from
recipe.json; the command line overrides a few of its values. Run it as

    torchrun --nproc_per_node=N train.py [--epochs E] [--lr LR] [--batch-size B]
    python3 train.py                       # one process

Every process holds a replica wrapped in DistributedDataParallel (gloo on CPUs, NCCL when CUDA
is there); a DistributedSampler gives each its share of every shuffled global batch of
--batch-size samples, and DDP averages the gradients, so N processes take the same steps as one
process with the same global batch (exactly so when the training set divides by N). Process 0
evaluates the held-out test split and writes trained.safetensors (PyTorch names), the file
\`nabla import --pytorch\` reads.
"""
import argparse
import csv
import gzip
import json
import os
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import build_model  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402


def parse_args(recipe):
    p = argparse.ArgumentParser(description="Train the exported nabla model with PyTorch DDP.")
    p.add_argument("--epochs", type=int, default=recipe["epochs"], help="epochs to train (0: only convert the weights)")
    p.add_argument("--lr", type=float, default=recipe["optimizer"]["lr"], help="learning rate")
    p.add_argument("--batch-size", type=int, default=recipe["batchSize"], help="global batch size (all processes)")
    p.add_argument("--seed", type=int, default=recipe.get("seed", 0), help="seed of the shuffles")
    p.add_argument("--patience", type=int, default=recipe.get("patience", 0),
                   help="stop after this many epochs without a better validation loss (0: never)")
    p.add_argument("--weights", default=os.path.join(HERE, "weights.safetensors"), help="initial weights")
    p.add_argument("--out", default=os.path.join(HERE, "trained.safetensors"), help="trained weights file")
    p.add_argument("--data", default=None, help="data path (overrides the one in recipe.json)")
    return p.parse_args()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def find_idx(root, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{os.path.join(root, name)}(.gz) not found")


def load_data(spec, override):
    """(x, y, test_x, test_y) as float32 / int64 tensors, preprocessed as nabla does."""
    kind = spec["kind"]
    if kind == "csv":
        path = override or spec["path"]
        classes = {name: i for i, name in enumerate(spec["classes"])}
        rows, labels = [], []
        with open(path, newline="") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                label = row[spec["target"]]
                if label not in classes:
                    raise ValueError(f"{path}:{line}: class {label!r} is not one of the model's classes")
                rows.append([float(row[c]) for c in spec["columns"]])
                labels.append(classes[label])
        x = torch.tensor(rows, dtype=torch.float32)
        if spec.get("mean") is not None:
            x = (x - torch.tensor(spec["mean"], dtype=torch.float32)) / torch.tensor(spec["std"], dtype=torch.float32)
        return x, torch.tensor(labels, dtype=torch.int64), None, None
    if kind == "idx":
        root = override or spec["dir"]

        def split(prefix):
            images = read_idx(find_idx(root, f"{prefix}-images-idx3-ubyte"))
            labels = read_idx(find_idx(root, f"{prefix}-labels-idx1-ubyte"))
            return images.unsqueeze(1).float() / 255, labels.long()

        x, y = split("train")
        has_test = any(name.startswith("t10k-images") for name in os.listdir(root))
        tx, ty = split("t10k") if has_test else (None, None)
        return x, y, tx, ty
    if kind == "tensors":
        t = load_file(override or os.path.join(HERE, spec["file"]))
        return t["x"].float(), t["y"].long(), t.get("test_x"), (t["test_y"].long() if "test_y" in t else None)
    raise ValueError(f"recipe.json: unknown data kind {kind!r}")


def make_optimizer(spec, params, lr):
    options = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k not in ("name", "lr")}
    return getattr(torch.optim, spec["name"])(params, lr=lr, **options)


@torch.no_grad()
def evaluate(model, x, y, device, batch_size=256):
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        out = model(x[i:i + batch_size].to(device))
        target = y[i:i + batch_size].to(device)
        loss += F.cross_entropy(out, target, reduction="sum").item()
        correct += (out.argmax(1) == target).sum().item()
    n = max(1, len(x))
    return loss / n, correct / n


def main():
    with open(os.path.join(HERE, "recipe.json")) as f:
        recipe = json.load(f)
    args = parse_args(recipe)
    distributed = "RANK" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if args.batch_size % world:
        sys.exit(f"train.py: --batch-size {args.batch_size} does not divide among {world} processes")
    torch.manual_seed(args.seed)

    x, y, test_x, test_y = load_data(recipe["data"], args.data)
    split = recipe["split"]
    train_idx = torch.tensor(split["train"], dtype=torch.int64) if "train" in split else torch.arange(len(x))
    val_idx = torch.tensor(split.get("val", []), dtype=torch.int64)
    if split.get("test") == "official":
        if test_x is None:
            sys.exit("train.py: recipe.json names the data's official test split, but the data has none")
    else:
        test_idx = torch.tensor(split.get("test", []), dtype=torch.int64)
        test_x, test_y = x[test_idx], y[test_idx]
    train = TensorDataset(x[train_idx], y[train_idx])
    val_x, val_y = x[val_idx], y[val_idx]

    model = build_model()
    model.load_state_dict(load_file(args.weights))
    model.to(device)
    ddp = DistributedDataParallel(model) if distributed else model
    optimizer = make_optimizer(recipe["optimizer"], ddp.parameters(), args.lr)
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)
    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"pytorch: {len(train)} train, {len(val_x)} validation, {len(test_x)} test samples; "
        f"{world} process{'es' if world > 1 else ''} ({'nccl' if cuda else 'gloo' if distributed else 'single'}); "
        f"global batch {args.batch_size}, {args.epochs} epochs", flush=True)

    best, bad = float("inf"), 0
    for epoch in range(args.epochs):
        start = time.time()
        sampler.set_epoch(epoch)
        ddp.train()
        stats = torch.zeros(3, dtype=torch.float64)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            out = ddp(xb)
            loss = F.cross_entropy(out, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            stats += torch.tensor([loss.item() * len(yb), (out.argmax(1) == yb).sum().item(), len(yb)],
                                  dtype=torch.float64)
        if distributed:
            dist.all_reduce(stats)
        line = f"epoch {epoch + 1}/{args.epochs}: loss {stats[0] / stats[2]:.4f} accuracy {stats[1] / stats[2] * 100:.2f}%"
        if len(val_x):
            val_loss, val_acc = evaluate(model, val_x, val_y, device)
            line += f"  val_loss {val_loss:.4f} val_accuracy {val_acc * 100:.2f}%"
            if val_loss < best:
                best, bad = val_loss, 0
            else:
                bad += 1
        say(f"{line}  ({time.time() - start:.1f}s)", flush=True)
        if args.patience and bad >= args.patience:
            say(f"early stop: validation loss did not improve for {args.patience} epochs")
            break

    if rank == 0:
        result = {"epochs": args.epochs, "processes": world, "globalBatch": args.batch_size}
        if len(test_x):
            test_loss, test_acc = evaluate(model, test_x, test_y, device)
            result.update(testAccuracy=test_acc, testLoss=test_loss, testSamples=len(test_x))
            print(f"pytorch: test accuracy {test_acc * 100:.2f}% (loss {test_loss:.4f}) on {len(test_x)} samples")
        state = {k: v for k, v in model.state_dict().items()}
        save_file(state, args.out, metadata={"format": "pt", "trained_by": "train.py", "result": json.dumps(result)})
        print(f"pytorch: wrote {args.out}")
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
