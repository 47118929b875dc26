"""What the assistant knows from the shop's own documents: upload, extraction (text, PDF, DOCX, OCR),
chunking, embeddings in pgvector, and retrieval restricted to one store.

limits.py   what may be uploaded; extract.py / ocr.py   bytes → text in sections;
chunk.py    sections → passages; embed.py   passages → vectors (local MiniLM or OpenAI);
storage.py  the files in S3; documents.py   upload, processing job, deletion;
retrieve.py the passages that answer a question (SQL match_knowledge over RPC)."""
