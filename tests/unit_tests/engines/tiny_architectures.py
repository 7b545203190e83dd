"""Tiny random models of the architecture matrix's popular types, saved in the Hub's layout.

One builder per model family, keyed by `config.model_type`; the model weights are random, so
tests check that each architecture loads and runs through its task, never the content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit_tests.engines.tiny_models import SPECIAL, WORDS, _tiny_generation, _word_tokenizer

__all__ = [
    "CAUSAL_LMS",
    "ENCODERS",
    "VISION_CLASSIFIERS",
    "causal_lm",
    "encoder",
    "vision_classifier",
]

_LABELS = {0: "NEGATIVE", 1: "POSITIVE"}

ENCODERS: dict[str, dict[str, Any]] = {
    "bert": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
    "distilbert": {"dim": 32, "n_layers": 1, "n_heads": 2, "hidden_dim": 37},
    "roberta": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
    "xlm-roberta": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
    "camembert": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
    "mpnet": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2},
}
"""Encoder configs (beyond the vocabulary) by model_type."""

CAUSAL_LMS: dict[str, dict[str, Any]] = {
    "gptj": {"n_embd": 16, "n_layer": 1, "n_head": 2, "rotary_dim": 4, "n_positions": 64},
    "gpt_neo": {
        "hidden_size": 16,
        "num_layers": 2,
        "num_heads": 2,
        "attention_types": [[["global", "local"], 1]],
        "max_position_embeddings": 64,
    },
    "bloom": {"hidden_size": 16, "n_layer": 1, "n_head": 2},
}
"""Decoder-only configs (beyond vocabulary and special tokens) by model_type."""

VISION_CLASSIFIERS: dict[str, dict[str, Any]] = {
    "resnet": {"embedding_size": 8, "hidden_sizes": [8, 16], "depths": [1, 1]},
    "beit": {
        "image_size": 32,
        "patch_size": 8,
        "hidden_size": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 37,
    },
}
"""Image classifier configs by model_type."""


def _vocab(names: list[str]) -> dict[str, int]:
    # transformers 5 tokenizers take the vocabulary itself; a `vocab_file=` is ignored.
    return {name: i for i, name in enumerate(names)}


def encoder(root: Path, model_type: str, head: str) -> Path:
    """A text encoder of `model_type` with a task `head` (an `AutoModelFor...` class name)."""
    import torch
    import transformers
    from transformers import AutoConfig, BertTokenizerFast

    torch.manual_seed(0)
    path = root / f"tiny-{model_type}-{head}"
    tokenizer = BertTokenizerFast(vocab=_vocab(SPECIAL + WORDS))
    config = AutoConfig.for_model(
        model_type,
        vocab_size=len(SPECIAL + WORDS),
        pad_token_id=0,
        max_position_embeddings=64,
        id2label=_LABELS,
        label2id={v: k for k, v in _LABELS.items()},
        **ENCODERS[model_type],
    )
    getattr(transformers, head).from_config(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def causal_lm(root: Path, model_type: str) -> Path:
    """A decoder-only language model of `model_type` with a word-level tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(0)
    path = root / f"tiny-{model_type}"
    tokenizer: Any = _word_tokenizer(WORDS)
    config = AutoConfig.for_model(
        model_type,
        vocab_size=len(tokenizer),
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
        **CAUSAL_LMS[model_type],
    )
    model = AutoModelForCausalLM.from_config(config)
    _tiny_generation(model)
    model.generation_config.suppress_tokens = [0, 1, 2, 3]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def vision_classifier(root: Path, model_type: str) -> Path:
    """An image classifier of `model_type` labelling cat, dog or car."""
    import torch
    from transformers import AutoConfig, AutoModelForImageClassification, ViTImageProcessor

    torch.manual_seed(0)
    path = root / f"tiny-{model_type}"
    labels = {0: "cat", 1: "dog", 2: "car"}
    config = AutoConfig.for_model(
        model_type,
        num_labels=3,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
        **VISION_CLASSIFIERS[model_type],
    )
    AutoModelForImageClassification.from_config(config).save_pretrained(path)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(path)
    return path


def _labelled(labels: list[str]) -> dict[str, Any]:
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {name: i for i, name in enumerate(labels)},
    }


_MIX = {
    "num_encoder_blocks": 2,
    "depths": [1, 1],
    "sr_ratios": [2, 1],
    "hidden_sizes": [8, 16],
    "patch_sizes": [7, 3],
    "strides": [4, 2],
    "num_attention_heads": [1, 2],
    "mlp_ratios": [2, 2],
}
"""A two-block Mix Transformer encoder (SegFormer and GLPN share it)."""


def segformer(root: Path) -> Path:
    """SegFormer: a closed-set semantic segmenter labelling sky or road."""
    import torch
    from transformers import (
        SegformerConfig,
        SegformerForSemanticSegmentation,
        SegformerImageProcessor,
    )

    torch.manual_seed(0)
    path = root / "tiny-segformer"
    config = SegformerConfig(decoder_hidden_size=16, **_MIX, **_labelled(["sky", "road"]))
    SegformerForSemanticSegmentation(config).save_pretrained(path)
    SegformerImageProcessor(size={"height": 32, "width": 32}).save_pretrained(path)
    return path


def glpn(root: Path) -> Path:
    """GLPN: monocular depth estimation over a Mix Transformer encoder."""
    import torch
    from transformers import GLPNConfig, GLPNForDepthEstimation, GLPNImageProcessor

    torch.manual_seed(0)
    path = root / "tiny-glpn"
    GLPNForDepthEstimation(GLPNConfig(decoder_hidden_size=16, **_MIX)).save_pretrained(path)
    GLPNImageProcessor().save_pretrained(path)
    return path


def yolos(root: Path) -> Path:
    """YOLOS: a closed-set ViT detector finding cats or dogs."""
    import torch
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessor

    torch.manual_seed(0)
    path = root / "tiny-yolos"
    config = YolosConfig(
        image_size=[32, 32],
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        num_detection_tokens=4,
        **_labelled(["cat", "dog"]),
    )
    YolosForObjectDetection(config).save_pretrained(path)
    YolosImageProcessor(size={"shortest_edge": 32, "longest_edge": 32}).save_pretrained(path)
    return path


def audio_classifier(root: Path, model_type: str) -> Path:
    """Wav2Vec2 or the Audio Spectrogram Transformer labelling calm or angry speech."""
    import torch
    from transformers import (
        ASTConfig,
        ASTFeatureExtractor,
        ASTForAudioClassification,
        Wav2Vec2Config,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForSequenceClassification,
    )

    torch.manual_seed(0)
    path = root / f"tiny-{model_type}-audio"
    labels = _labelled(["calm", "angry"])
    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
    if model_type == "wav2vec2":
        config = Wav2Vec2Config(
            intermediate_size=37,
            conv_dim=(16, 16),
            conv_stride=(5, 4),
            conv_kernel=(10, 8),
            num_conv_pos_embeddings=16,
            num_conv_pos_embedding_groups=2,
            classifier_proj_size=8,
            **small,
            **labels,
        )
        Wav2Vec2ForSequenceClassification(config).save_pretrained(path)
        Wav2Vec2FeatureExtractor(sampling_rate=16000).save_pretrained(path)
    else:
        config = ASTConfig(intermediate_size=37, num_mel_bins=16, max_length=32, **small, **labels)
        ASTForAudioClassification(config).save_pretrained(path)
        ASTFeatureExtractor(num_mel_bins=16, max_length=32).save_pretrained(path)
    return path


def vilt(root: Path) -> Path:
    """ViLT: visual question answering as classification over a few answers."""
    import torch
    from transformers import (
        BertTokenizerFast,
        ViltConfig,
        ViltForQuestionAnswering,
        ViltImageProcessor,
        ViltProcessor,
    )

    torch.manual_seed(0)
    path = root / "tiny-vilt"
    config = ViltConfig(
        vocab_size=len(SPECIAL + WORDS),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        image_size=32,
        patch_size=8,
        max_image_length=16,
        max_position_embeddings=40,
        **_labelled(["yes", "no", "red"]),
    )
    ViltForQuestionAnswering(config).save_pretrained(path)
    processor = ViltProcessor(
        ViltImageProcessor(size={"shortest_edge": 32}, size_divisor=8),
        BertTokenizerFast(vocab=_vocab(SPECIAL + WORDS), model_max_length=40),
    )
    processor.save_pretrained(path)
    return path


def vit_gpt2_captioner(root: Path) -> Path:
    """A vision encoder-decoder (ViT encoder, GPT-2 decoder), as nlpconnect's captioner."""
    import torch
    from transformers import (
        GPT2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
    )

    torch.manual_seed(0)
    path = root / "tiny-vit-gpt2"
    tokenizer: Any = _word_tokenizer(WORDS)
    encoder_config = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
    )
    decoder_config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=16,
        n_layer=1,
        n_head=2,
        n_positions=64,
        add_cross_attention=True,
        is_decoder=True,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder_config, decoder_config)
    config.decoder_start_token_id = 0
    config.pad_token_id = 1
    config.eos_token_id = 2
    model = VisionEncoderDecoderModel(config=config)
    model.generation_config.decoder_start_token_id = 0
    model.generation_config.pad_token_id = 1
    _tiny_generation(model)
    model.generation_config.suppress_tokens = [0, 1, 2, 3]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(path)
    return path


def blip(root: Path, task: str) -> Path:
    """BLIP for captioning (`image-to-text`) or visual question answering."""
    import torch
    from transformers import (
        BertTokenizerFast,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipForQuestionAnswering,
        BlipImageProcessor,
        BlipProcessor,
    )

    torch.manual_seed(0)
    path = root / f"tiny-blip-{task}"
    tokenizer = BertTokenizerFast(
        vocab=_vocab([*SPECIAL, "[DEC]", *WORDS]), bos_token="[DEC]", model_max_length=32
    )
    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
    config = BlipConfig(
        text_config={
            "vocab_size": len(SPECIAL) + 1 + len(WORDS),
            "intermediate_size": 37,
            "max_position_embeddings": 64,
            "encoder_hidden_size": 32,
            "bos_token_id": 5,
            "pad_token_id": 0,
            "sep_token_id": 3,
            **small,
        },
        vision_config={"image_size": 32, "patch_size": 8, "intermediate_size": 37, **small},
        projection_dim=32,
    )
    head = BlipForConditionalGeneration if task == "image-to-text" else BlipForQuestionAnswering
    model = head(config)
    for part in (model, model.text_decoder):  # BLIP generates with its text decoder's settings
        _tiny_generation(part)
        part.generation_config.suppress_tokens = list(range(len(SPECIAL) + 1))
    model.save_pretrained(path)
    processor = BlipProcessor(BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer)
    processor.save_pretrained(path)
    return path
