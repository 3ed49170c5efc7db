"""SciFact retrieval benchmark of the rag-qa template's own retrieval pipeline.

Generates a rag-qa project from the template with Copier (default answers; or --project PATH of
a generated project), runs its code with its default settings over SciFact (BEIR test split),
and prints nDCG@10, Recall@100 (100 distinct documents), query latency percentiles and
ingestion throughput for the default hybrid retriever next to BM25-only and dense-only runs of
the same code.

    python bench/rag_retrieval.py [--data DIR] [--cache-dir DIR]

Needs the template's requirements in the running Python (torch 2.13.0 CPU first, then
templates/rag-qa/template/requirements.txt) and copier. --data defaults to the first
shared/data/scifact beside the repository or one of its parent folders.

nDCG@10 and latency come from the default search (100 candidates per retriever, chunks
collapsed to documents). Recall@100 counts 100 distinct documents, like the whole-document
reference figures: chunks are collapsed to documents by first occurrence from a deeper search
(more candidates per retriever) until 100 documents are ranked.

Embeddings are cached on disk (default: the user cache dir) so only the first run pays the
5-9 minutes of embedding 5,183 abstracts on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="SciFact in BEIR format")
    parser.add_argument("--project", type=Path, default=None, help="a generated rag-qa project")
    parser.add_argument(
        "--recall-candidates",
        type=int,
        default=400,
        help="candidates per retriever for Recall@100 documents (chunks outnumber documents)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "portfolio-harness"
        / "rag-bench",
    )
    parser.add_argument("--modes", default="hybrid,bm25,dense")
    parser.add_argument("--limit-queries", type=int, default=0, help="0 = all test queries")
    return parser.parse_args()


def find_data(given: Path | None) -> Path:
    if given is not None:
        candidates = [given]
    else:
        candidates = [p / "shared" / "data" / "scifact" for p in REPO.resolve().parents]
    for candidate in candidates:
        if (candidate / "corpus.jsonl").is_file():
            return candidate
    where = ", ".join(str(c) for c in candidates[:3])
    raise SystemExit(f"SciFact (BEIR format) not found at {where}: pass --data DIR")


def generated_project(destination: Path) -> Path:
    """The rag-qa project as a user gets it: the template's .jinja files rendered."""
    from copier import run_copy

    run_copy(str(REPO / "templates" / "rag-qa"), str(destination), defaults=True, quiet=True)
    return destination


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in path.read_text().splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    return qrels


def ndcg_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    relevant = {d for d, r in rels.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def documents(hits: list) -> list[str]:
    """Chunk hits collapsed to document ids, by first occurrence."""
    return list(dict.fromkeys(h.chunk.document_id.removesuffix("-md") for h in hits))


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    args = parse_args()
    args.data = find_data(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        project = args.project or generated_project(Path(tmp) / "rag-qa")
        run(args, project.resolve())


def run(args: argparse.Namespace, project: Path) -> None:
    sys.path.insert(0, str(project))
    from app.core.config import Settings
    from app.rag.embeddings import Embedder
    from app.rag.ingest import Ingestor
    from app.rag.retrieval import RetrievalConfig, Retriever
    from app.rag.store import SQLiteStore

    settings = Settings(_env_file=None)  # the project's defaults, not a local .env
    corpus = read_jsonl(args.data / "corpus.jsonl")
    qrels = read_qrels(args.data / "qrels" / "test.tsv")
    queries = [q for q in read_jsonl(args.data / "queries.jsonl") if q["_id"] in qrels]
    if args.limit_queries:
        queries = queries[: args.limit_queries]

    embedder = Embedder(
        settings.EMBEDDING_MODEL_PATH,
        settings.EMBEDDING_BATCH_SIZE,
        str(args.cache_dir),
        settings.TORCH_THREADS,
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.sqlite3")
        ingestor = Ingestor(store, embedder, settings.CHUNK_SIZE, settings.CHUNK_OVERLAP)
        # Each abstract is uploaded as the Markdown file an end user would upload.
        files = [(f"{d['_id']}.md", f"# {d['title']}\n\n{d['text']}".encode()) for d in corpus]
        # Embed every chunk in large batches first (fills the disk cache on a cold run), so
        # the per-document ingestion below measures load/chunk/index, not model start-up.
        t0 = time.perf_counter()
        texts = [r.search_text for name, data in files for r in ingestor.prepare(name, data)[1]]
        embedder.embed_documents(texts)
        embed_s = time.perf_counter() - t0
        print(f"embedded {len(texts)} chunks in {embed_s:.1f}s (cached ones are read back)")
        t0 = time.perf_counter()
        for name, data in files:
            ingestor.ingest(name, data)
        ingest_s = time.perf_counter() - t0
        chunks = len(store.all_chunks())
        print(
            f"ingested {len(files)} docs ({chunks} chunks) in {ingest_s:.1f}s = "
            f"{len(files) / ingest_s:.1f} docs/s (embedding cache: {args.cache_dir})"
        )

        results = {}
        base = RetrievalConfig.from_settings(settings)
        for mode in args.modes.split(","):
            config = RetrievalConfig(**{**base.__dict__, "mode": mode})
            retriever = Retriever(store, embedder, config)
            deep = Retriever(
                store, embedder, RetrievalConfig(**{**config.__dict__,
                                                    "candidates": args.recall_candidates})
            )  # fmt: skip
            retriever.search("warm up", top_k=10)
            ndcgs, recalls, latencies, short = [], [], [], 0
            for query in queries:
                start = time.perf_counter()
                hits = retriever.search(query["text"], top_k=max(100, settings.CANDIDATES))
                latencies.append((time.perf_counter() - start) * 1000)
                ndcgs.append(ndcg_at(documents(hits), qrels[query["_id"]], 10))
                deep_hits = deep.search(query["text"], top_k=2 * args.recall_candidates)
                ranked = documents(deep_hits)
                short += len(ranked) < 100
                recalls.append(recall_at(ranked, qrels[query["_id"]], 100))
            results[mode] = {
                "ndcg@10": statistics.fmean(ndcgs),
                "recall@100docs": statistics.fmean(recalls),
                "queries_with_fewer_than_100_docs": short,
                "p50_ms": percentile(latencies, 50),
                "p95_ms": percentile(latencies, 95),
            }
        store.close()

    print(
        f"\nSciFact test ({len(queries)} queries), settings: mode={settings.RETRIEVAL_MODE} "
        f"rrf_k={settings.RRF_K} bm25_weight={settings.BM25_WEIGHT} "
        f"dense_weight={settings.DENSE_WEIGHT} candidates={settings.CANDIDATES} "
        f"chunk={settings.CHUNK_SIZE}/{settings.CHUNK_OVERLAP} torch_threads="
        f"{settings.TORCH_THREADS}; cpus={os.cpu_count()}"
    )
    print(f"{'retriever':<10} {'nDCG@10':>8} {'R@100doc':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for mode, r in results.items():
        print(
            f"{mode:<10} {r['ndcg@10']:>8.3f} {r['recall@100docs']:>8.3f} "
            f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}"
        )
    summary = {"ingest_docs_per_s": len(files) / ingest_s, "embed_s": embed_s, "results": results}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
