"""Issue classification of inbound messages: category (delivery, order, payment, refund, other), urgency
(low, medium, high) and a confidence, from the exported model that model/ trains.

    from sapa.classify.predict import predict
    labels = predict(["paket saya belum sampai"])  # [Label(category=..., urgency=..., confidence=...)]

The package itself imports nothing heavy: `sapa.classify.predict` (ONNX Runtime, tokenizers) loads only
where the model runs; `sapa.classify.client` is how the worker reaches it.
"""
