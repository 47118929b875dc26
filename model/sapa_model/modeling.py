"""One encoder, two heads: issue category and urgency.

Why one shared encoder rather than a second model: the two labels read the same words (a refund that
has not arrived after two weeks is both `refund` and urgent), so one forward pass gives both at half the
latency, memory and image size of two models, and there is one artefact to export, check and ship.
The cost is that noise in the weak urgency labels could pull on the category features; the urgency
loss is therefore weighted (`urgency_loss_weight`) and the category metrics are reported per run.

The saved config is the encoder's own config (DistilBERT, BERT/MiniLM, …) with the heads' settings
added: `id2label`/`label2id` for the category head (the standard transformers fields) and
`urgency_id2label`/`urgency_label2id` for the urgency head, plus `pooling` and `classifier_dropout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from sapa_model.config import CATEGORIES, URGENCIES

ARCHITECTURE = "SapaIssueClassifier"


def classifier_config(
    encoder_config: PretrainedConfig, *, pooling: str = "mean", classifier_dropout: float = 0.1
) -> PretrainedConfig:
    """The encoder's config with both label maps and the head settings written into it."""
    config = encoder_config
    config.id2label = dict(enumerate(CATEGORIES))
    config.label2id = {label: index for index, label in enumerate(CATEGORIES)}
    config.urgency_id2label = {str(index): label for index, label in enumerate(URGENCIES)}
    config.urgency_label2id = {label: index for index, label in enumerate(URGENCIES)}
    config.pooling = pooling
    config.classifier_dropout = classifier_dropout
    config.architectures = [ARCHITECTURE]
    return config


@dataclass
class IssueClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # category
    urgency_logits: torch.Tensor | None = None


class SapaIssueClassifier(PreTrainedModel):
    config_class = PretrainedConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = False

    def __init__(self, config: PretrainedConfig, urgency_loss_weight: float = 0.5) -> None:
        super().__init__(config)
        self.encoder = AutoModel.from_config(config)
        hidden = _hidden_size(config)
        self.dropout = nn.Dropout(getattr(config, "classifier_dropout", 0.1))
        self.category_head = nn.Linear(hidden, len(config.id2label))
        self.urgency_head = nn.Linear(hidden, len(config.urgency_id2label))
        self.urgency_loss_weight = urgency_loss_weight
        # Per-class weights of the urgency loss while training (None: unweighted); not saved, since
        # they change nothing at inference.
        self.urgency_class_weights: torch.Tensor | None = None
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if module in (getattr(self, "category_head", None), getattr(self, "urgency_head", None)):
            assert isinstance(module, nn.Linear)
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor | None = None,
        urgency_labels: torch.Tensor | None = None,
        **_: Any,
    ) -> IssueClassifierOutput:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.dropout(pool(hidden, attention_mask, self.config.pooling))
        logits = self.category_head(pooled)
        urgency_logits = self.urgency_head(pooled)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
            if urgency_labels is not None:
                weights = self.urgency_class_weights
                if weights is not None:
                    weights = weights.to(urgency_logits.device, urgency_logits.dtype)
                urgency_loss = nn.functional.cross_entropy(urgency_logits, urgency_labels, weight=weights)
                loss = loss + self.urgency_loss_weight * urgency_loss
        return IssueClassifierOutput(loss=loss, logits=logits, urgency_logits=urgency_logits)


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, how: str) -> torch.Tensor:
    if how == "cls":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def _hidden_size(config: PretrainedConfig) -> int:
    for name in ("hidden_size", "dim", "d_model"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    raise ValueError(f"cannot tell the hidden size of a {type(config).__name__}")


def from_base(
    base_model: str, *, pooling: str, classifier_dropout: float, urgency_loss_weight: float
) -> SapaIssueClassifier:
    """A new classifier whose encoder starts from a pretrained model (hub id or local folder)."""
    config = classifier_config(
        AutoConfig.from_pretrained(base_model), pooling=pooling, classifier_dropout=classifier_dropout
    )
    model = SapaIssueClassifier(config, urgency_loss_weight=urgency_loss_weight)
    model.encoder = AutoModel.from_pretrained(base_model, config=config)
    return model


def load(path: str | Path) -> SapaIssueClassifier:
    """A trained classifier saved with `save_pretrained` (config.json + model.safetensors)."""
    config = AutoConfig.from_pretrained(path)
    model = SapaIssueClassifier(config)
    state = load_file(str(Path(path) / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"checkpoint does not match the model: missing {missing}, unexpected {unexpected}")
    model.eval()
    return model


def category_labels(config: PretrainedConfig) -> list[str]:
    return [config.id2label[index] for index in range(len(config.id2label))]


def urgency_labels(config: PretrainedConfig) -> list[str]:
    return [config.urgency_id2label[str(index)] for index in range(len(config.urgency_id2label))]
