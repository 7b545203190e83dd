"""Tiny random models built and saved by the tests themselves, loaded back through the real code.

Their outputs are noise: tests check shapes, types and plumbing, never content.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import numpy as np

WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "good",
    "bad",
    "movie",
    "is",
    "was",
    "great",
    "terrible",
    "hello",
    "world",
    "i",
    "love",
    "it",
    "red",
    "square",
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def text_classifier(root: Path) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    path = root / "tiny-bert-sentiment"
    path.mkdir(parents=True)
    (root / "bert-vocab.txt").write_text("\n".join(SPECIAL + WORDS))
    tokenizer = BertTokenizerFast(vocab_file=str(root / "bert-vocab.txt"))
    config = BertConfig(
        vocab_size=len(SPECIAL + WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        num_labels=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def seq2seq(root: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    torch.manual_seed(0)
    path = root / "tiny-bart"
    vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", *WORDS])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=64,
    )
    config = BartConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=300,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=None,
    )
    model = BartForConditionalGeneration(config)
    # Random weights often stop at once; a few forced tokens keep the output non-empty.
    model.generation_config.min_new_tokens = 3
    model.generation_config.suppress_tokens = [0, 1, 3]  # never <s>, <pad>, <unk>
    model.generation_config.max_new_tokens = 8
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def image_classifier(root: Path) -> Path:
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    path = root / "tiny-vit"
    config = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        num_labels=3,
        id2label={0: "cat", 1: "dog", 2: "car"},
        label2id={"cat": 0, "dog": 1, "car": 2},
    )
    ViTForImageClassification(config).save_pretrained(path)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(path)
    return path


def speech_recognizer(root: Path) -> Path:
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    path = root / "tiny-wav2vec2"
    path.mkdir(parents=True)
    vocab = {
        "<pad>": 0,
        "<unk>": 1,
        "|": 2,
        **{c: i + 3 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz'")},
    }
    (path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(
        str(path / "vocab.json"), unk_token="<unk>", pad_token="<pad>", word_delimiter_token="|"
    )
    extractor = Wav2Vec2FeatureExtractor(
        feature_size=1,
        sampling_rate=16000,
        padding_value=0.0,
        do_normalize=True,
        return_attention_mask=False,
    )
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(path)
    config = Wav2Vec2Config(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        conv_dim=(16, 16),
        conv_stride=(5, 4),
        conv_kernel=(10, 8),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        pad_token_id=0,
        do_stable_layer_norm=True,
        feat_extract_norm="layer",
    )
    Wav2Vec2ForCTC(config).save_pretrained(path)
    return path


def stable_diffusion(root: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderKL,
        PNDMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    path = root / "tiny-stable-diffusion"
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
    )
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
    )
    text_config = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=2,
        hidden_size=32,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=2,
        pad_token_id=1,
        vocab_size=1000,
    )
    tok_dir = root / "clip-tokenizer"
    tok_dir.mkdir(parents=True)
    vocab = {
        t: i
        for i, t in enumerate(
            [
                "<|startoftext|>",
                "<|endoftext|>",
                "!",
                "a</w>",
                "red</w>",
                "square</w>",
                "cat</w>",
                "dog</w>",
                "blue</w>",
                "sky</w>",
                "of</w>",
            ]
        )
    }
    (tok_dir / "vocab.json").write_text(json.dumps(vocab))
    (tok_dir / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(
        str(tok_dir / "vocab.json"), str(tok_dir / "merges.txt"), model_max_length=77
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=CLIPTextModel(text_config),
        tokenizer=tokenizer,
        scheduler=PNDMScheduler(skip_prk_steps=True, steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(path, safe_serialization=True)
    return path


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    """A sine tone as 16-bit mono WAV."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def write_png(path: Path, size: int = 40, colour: str = "red") -> Path:
    from PIL import Image

    Image.new("RGB", (size, size), colour).save(path)
    return path


SENTENCES = [
    "the cat is good",
    "a dog was bad",
    "hello world i love it",
    "the red square is great",
    "the movie was terrible",
]


def train_sentencepiece(path: Path, vocab_size: int = 40) -> Path:
    """A tiny sentencepiece model trained here on a few sentences (the test's own model)."""
    import io

    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 4),
        model_writer=buffer,
        vocab_size=vocab_size,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    path.write_bytes(buffer.getvalue())
    return path


def _spm_vocab(spm_file: Path, extra: list[str]) -> dict[str, int]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(spm_file))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    names = ["<pad>", *dict.fromkeys(pieces + extra)]
    return {name: i for i, name in enumerate(names)}


def _tiny_generation(model: object) -> None:
    generation = model.generation_config  # type: ignore[attr-defined]
    generation.min_new_tokens = 2
    generation.max_new_tokens = 6
    generation.num_beams = 1
    generation.bad_words_ids = None


def marian(root: Path, source: str | None = None, target: str | None = None) -> Path:
    """An opus-mt style Marian translator: `source.spm`, `target.spm` and `vocab.json`.

    With `source` and `target`, its tokenizer says its pair, as the opus-mt tokenizers do.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    torch.manual_seed(0)
    # A name that does not say the pair: what the model translates comes from its tokenizer.
    path = root / ("tiny-opus-mt" if source is None else f"tiny-marian-{source}{target}")
    path.mkdir(parents=True)
    for name in ("source.spm", "target.spm"):
        train_sentencepiece(path / name)
    vocab = _spm_vocab(path / "source.spm", ["</s>", "<unk>"])
    (path / "vocab.json").write_text(json.dumps(vocab))
    pair = {} if source is None else {"source_lang": source, "target_lang": target}
    tokenizer = MarianTokenizer(
        str(path / "source.spm"), str(path / "target.spm"), str(path / "vocab.json"), **pair
    )
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
    )
    model = MarianMTModel(config)
    _tiny_generation(model)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def m2m100(root: Path, codes: str = "m2m100") -> Path:
    """An M2M100 translator: `sentencepiece.bpe.model` and `vocab.json`.

    `codes="wmt21"` gives the 8-language set (no Korean).
    """
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    torch.manual_seed(0)
    path = root / ("tiny-m2m100" if codes == "m2m100" else f"tiny-m2m100-{codes}")
    path.mkdir(parents=True)
    spm_file = train_sentencepiece(path / "sentencepiece.bpe.model")
    vocab = _spm_vocab(spm_file, ["<s>", "</s>", "<unk>"])
    (path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = M2M100Tokenizer(str(path / "vocab.json"), str(spm_file), language_codes=codes)
    languages = [tokenizer.get_lang_id(code) for code in tokenizer.lang_code_to_token]
    config = M2M100Config(
        vocab_size=max(languages) + 1 + 8,  # language tokens, then 8 made-up words
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    model = M2M100ForConditionalGeneration(config)
    _tiny_generation(model)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def speecht5(root: Path) -> Path:
    """A SpeechT5 text-to-speech model with its `spm_char.model` tokenizer (no vocoder)."""
    import torch
    from transformers import (
        SpeechT5Config,
        SpeechT5FeatureExtractor,
        SpeechT5ForTextToSpeech,
        SpeechT5Processor,
        SpeechT5Tokenizer,
    )

    torch.manual_seed(0)
    path = root / "tiny-speecht5-tts"
    path.mkdir(parents=True)
    spm_file = train_sentencepiece(root / "speecht5-spm_char.model")
    tokenizer = SpeechT5Tokenizer(str(spm_file))
    processor = SpeechT5Processor(
        tokenizer=tokenizer, feature_extractor=SpeechT5FeatureExtractor(num_mel_bins=8)
    )
    config = SpeechT5Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_mel_bins=8,
        speech_decoder_prenet_units=16,
        speech_decoder_postnet_units=16,
        speech_decoder_postnet_layers=2,
        speech_decoder_postnet_kernel=3,
        speaker_embedding_dim=512,
        max_text_positions=64,
        max_speech_positions=64,
        reduction_factor=2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    SpeechT5ForTextToSpeech(config).save_pretrained(path)
    processor.save_pretrained(path)
    return path


def hifigan(root: Path, num_mel_bins: int = 8) -> Path:
    """A SpeechT5 HiFi-GAN vocoder (mel spectrogram to waveform)."""
    import torch
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    torch.manual_seed(0)
    path = root / "tiny-speecht5-hifigan"
    config = SpeechT5HifiGanConfig(
        model_in_dim=num_mel_bins,
        upsample_initial_channel=16,
        upsample_rates=[4, 4],
        upsample_kernel_sizes=[8, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        initializer_range=0.5,  # loud enough to survive 16-bit quantisation
    )
    SpeechT5HifiGan(config).save_pretrained(path)
    return path


def vits(root: Path) -> Path:
    """An MMS-style VITS text-to-speech model with its character vocabulary."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    torch.manual_seed(0)
    path = root / "tiny-mms-tts"
    path.mkdir(parents=True)
    letters = "_ abcdefghijklmnopqrstuvwxyz'"  # "_" pads, as MMS vocabularies do
    (path / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate(letters)}))
    tokenizer = VitsTokenizer(
        str(path / "vocab.json"), pad_token="_", unk_token="_", phonemize=False, is_uroman=False
    )
    config = VitsConfig(
        vocab_size=len(letters),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        window_size=2,
        ffn_dim=16,
        flow_size=8,
        spectrogram_bins=9,
        upsample_initial_channel=16,
        upsample_rates=[4, 4],
        upsample_kernel_sizes=[8, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1,
        posterior_encoder_num_wavenet_layers=1,
        duration_predictor_filter_channels=8,
        duration_predictor_num_flows=1,
        depth_separable_num_layers=1,
        sampling_rate=16000,
    )
    VitsModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _word_tokenizer(words: list[str]) -> object:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", *words])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=64,
    )


def blenderbot(root: Path, small: bool = False) -> Path:
    """An encoder-decoder chat model: Blenderbot (or BlenderbotSmall)."""
    import torch
    from transformers import (
        BlenderbotConfig,
        BlenderbotForConditionalGeneration,
        BlenderbotSmallConfig,
        BlenderbotSmallForConditionalGeneration,
    )

    torch.manual_seed(0)
    path = root / ("tiny-blenderbot-small" if small else "tiny-blenderbot")
    tokenizer: Any = _word_tokenizer(WORDS)
    config_cls: Any = BlenderbotSmallConfig if small else BlenderbotConfig
    model_cls: Any = (
        BlenderbotSmallForConditionalGeneration if small else BlenderbotForConditionalGeneration
    )
    config = config_cls(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=0,
        forced_eos_token_id=None,
    )
    model = model_cls(config)
    _tiny_generation(model)
    model.generation_config.suppress_tokens = [0, 1, 3]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def causal_lm(root: Path, name: str = "tiny-gpt2") -> Path:
    """A decoder-only GPT-2 language model with a word-level tokenizer."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    path = root / name
    tokenizer: Any = _word_tokenizer(WORDS)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=16,
        n_layer=1,
        n_head=2,
        n_positions=64,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    model = GPT2LMHeadModel(config)
    _tiny_generation(model)
    model.generation_config.suppress_tokens = [0, 1, 2, 3]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _clip_tokenizer(folder: Path) -> Any:
    """A CLIP tokenizer over a few whole words (every other word is unknown)."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    # OWL-ViT treats a query whose first id is 0 as padding: the start token must not be 0.
    names = ["!", "<|startoftext|>", "<|endoftext|>", *(f"{w}</w>" for w in WORDS)]
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(names)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(
        str(folder / "vocab.json"),
        str(folder / "merges.txt"),
        model_max_length=16,
        pad_token="!",
    )


_TINY_TEXT = {
    "vocab_size": len(WORDS) + 3,
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "max_position_embeddings": 16,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 0,
}
_TINY_VISION = {
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "image_size": 32,
    "patch_size": 8,
}


def owlvit_detector(root: Path) -> Path:
    """OWL-ViT: an open-vocabulary detector (`model_type` owlvit)."""
    import torch
    from transformers import (
        OwlViTConfig,
        OwlViTForObjectDetection,
        OwlViTImageProcessor,
        OwlViTProcessor,
    )

    torch.manual_seed(0)
    path = root / "tiny-owlvit"
    config = OwlViTConfig(text_config=_TINY_TEXT, vision_config=_TINY_VISION, projection_dim=32)
    OwlViTForObjectDetection(config).save_pretrained(path)
    image_processor = OwlViTImageProcessor(
        size={"height": 32, "width": 32}, crop_size={"height": 32, "width": 32}
    )
    tokenizer = _clip_tokenizer(root / "owlvit-tokenizer")
    OwlViTProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(path)
    return path


def owlv2_detector(root: Path) -> Path:
    """OWLv2: the second open-vocabulary detector family (`model_type` owlv2)."""
    import torch
    from transformers import (
        Owlv2Config,
        Owlv2ForObjectDetection,
        Owlv2ImageProcessor,
        Owlv2Processor,
    )

    torch.manual_seed(0)
    path = root / "tiny-owlv2"
    config = Owlv2Config(text_config=_TINY_TEXT, vision_config=_TINY_VISION, projection_dim=32)
    Owlv2ForObjectDetection(config).save_pretrained(path)
    image_processor = Owlv2ImageProcessor(size={"height": 32, "width": 32})
    tokenizer = _clip_tokenizer(root / "owlv2-tokenizer")
    Owlv2Processor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(path)
    return path


def clipseg_segmenter(root: Path) -> Path:
    """CLIPSeg: segments the regions a text names (`model_type` clipseg)."""
    import torch
    from transformers import (
        CLIPSegConfig,
        CLIPSegForImageSegmentation,
        CLIPSegProcessor,
        ViTImageProcessor,
    )

    torch.manual_seed(0)
    path = root / "tiny-clipseg"
    config = CLIPSegConfig(
        text_config=_TINY_TEXT,
        vision_config=_TINY_VISION,
        projection_dim=16,
        reduce_dim=16,
        extract_layers=[0, 1],
        decoder_num_attention_heads=2,
        decoder_intermediate_size=32,
    )
    CLIPSegForImageSegmentation(config).save_pretrained(path)
    image_processor = ViTImageProcessor(size={"height": 32, "width": 32})
    tokenizer = _clip_tokenizer(root / "clipseg-tokenizer")
    CLIPSegProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(path)
    return path


def _bert_tokenizer() -> Any:
    from transformers import BertTokenizerFast

    names = SPECIAL + WORDS + ["?", "what", "colour"]
    return BertTokenizerFast(vocab={t: i for i, t in enumerate(names)}, model_max_length=64)


def git_vqa(root: Path) -> Path:
    """GIT: answers by generating after the question (`model_type` git)."""
    import torch
    from transformers import CLIPImageProcessor, GitConfig, GitForCausalLM, GitProcessor

    torch.manual_seed(0)
    path = root / "tiny-git-vqa"
    tokenizer = _bert_tokenizer()
    config = GitConfig(
        vision_config=_TINY_VISION,
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        num_image_with_embedding=None,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GitForCausalLM(config)
    model.generation_config.min_new_tokens = 2
    model.generation_config.suppress_tokens = [0, 1, 2, 3, 4]  # no special token
    model.save_pretrained(path)
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    GitProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(path)
    return path


def layoutlm_document_qa(root: Path) -> Path:
    """LayoutLM with a question-answering head: answers with a span of the OCR words."""
    import torch
    from transformers import LayoutLMConfig, LayoutLMForQuestionAnswering

    torch.manual_seed(0)
    path = root / "tiny-layoutlm-docqa"
    tokenizer = _bert_tokenizer()
    config = LayoutLMConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=128,
        max_2d_position_embeddings=1024,
    )
    LayoutLMForQuestionAnswering(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def donut_document_qa(root: Path) -> Path:
    """Donut (Swin encoder, BART decoder): reads the page's pixels, no OCR."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        BartConfig,
        DonutImageProcessor,
        DonutProcessor,
        DonutSwinConfig,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
    )

    torch.manual_seed(0)
    path = root / "tiny-donut-docvqa"
    names = ["<s>", "<pad>", "</s>", "<unk>", "<s_docvqa>", "<s_question>", "</s_question>"]
    names += ["<s_answer>", "</s_answer>", *WORDS]
    backend = Tokenizer(models.WordLevel({t: i for i, t in enumerate(names)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=32,
    )
    encoder = DonutSwinConfig(
        image_size=[32, 32],
        patch_size=4,
        embed_dim=16,
        depths=[1, 1],
        num_heads=[2, 2],
        window_size=2,
    )
    decoder = BartConfig(
        vocab_size=len(names),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=24,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        is_decoder=True,
        add_cross_attention=True,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = 0
    config.pad_token_id = 1
    config.eos_token_id = 2
    model = VisionEncoderDecoderModel(config)
    model.generation_config.max_new_tokens = 6
    model.save_pretrained(path)
    image_processor = DonutImageProcessor(size={"height": 32, "width": 32})
    DonutProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(path)
    return path


def bark(root: Path) -> Path:
    """A Bark text-to-waveform model: semantic, coarse and fine GPTs, then an EnCodec codec.

    Bark's generation settings fix its token layout (10 000 semantic tokens, text ids offset by
    10 048, 1 024 codes per codebook, 8 codebooks at 75 Hz), so the vocabularies keep their
    real sizes while every network is one narrow layer.
    """
    import torch
    from transformers import BarkConfig, BarkModel, BarkProcessor, BertTokenizerFast
    from transformers.models.bark.generation_configuration_bark import (
        BarkCoarseGenerationConfig,
        BarkFineGenerationConfig,
        BarkGenerationConfig,
        BarkSemanticGenerationConfig,
    )

    torch.manual_seed(0)
    path = root / "tiny-bark"
    path.mkdir(parents=True)
    (root / "bark-vocab.txt").write_text("\n".join(SPECIAL + WORDS))
    tokenizer = BertTokenizerFast(vocab_file=str(root / "bark-vocab.txt"))
    narrow = {"hidden_size": 8, "num_layers": 1, "num_heads": 2, "block_size": 1024}
    config = BarkConfig(
        semantic_config={"input_vocab_size": 129_600, "output_vocab_size": 10_048, **narrow},
        coarse_acoustics_config={
            "input_vocab_size": 12_096,
            "output_vocab_size": 12_096,
            **narrow,
        },
        fine_acoustics_config={
            "input_vocab_size": 1_056,
            "output_vocab_size": 1_056,
            "n_codes_total": 8,
            "n_codes_given": 1,
            **narrow,
        },
        codec_config={
            "hidden_size": 8,
            "num_filters": 4,
            "upsampling_ratios": [8, 5, 4, 2],  # 320 samples a frame: 75 Hz at 24 kHz
            "codebook_size": 1024,
            "codebook_dim": 8,
            "num_residual_layers": 1,
            "num_lstm_layers": 1,
            "audio_channels": 1,
            "sampling_rate": 24_000,
            "target_bandwidths": [6.0],  # 8 codebooks
        },
    )
    BarkModel(config).save_pretrained(path)
    BarkProcessor(tokenizer=tokenizer).save_pretrained(path)
    generation = BarkGenerationConfig(
        semantic_config=BarkSemanticGenerationConfig(max_new_tokens=8).to_dict(),
        coarse_acoustics_config=BarkCoarseGenerationConfig().to_dict(),
        fine_acoustics_config=BarkFineGenerationConfig().to_dict(),
    )
    (path / "generation_config.json").write_text(json.dumps(generation.to_dict()))
    return path


def _sd_parts(stable_diffusion_dir: Path) -> dict[str, Any]:
    """The VAE, text encoder, tokenizer and scheduler of a tiny Stable Diffusion folder."""
    from diffusers import AutoencoderKL, PNDMScheduler
    from transformers import CLIPTextModel, CLIPTokenizer

    return {
        "vae": AutoencoderKL.from_pretrained(stable_diffusion_dir / "vae"),
        "text_encoder": CLIPTextModel.from_pretrained(stable_diffusion_dir / "text_encoder"),
        "tokenizer": CLIPTokenizer.from_pretrained(stable_diffusion_dir / "tokenizer"),
        "scheduler": PNDMScheduler.from_pretrained(stable_diffusion_dir / "scheduler"),
    }


def instruct_pix2pix(root: Path, stable_diffusion_dir: Path) -> Path:
    """InstructPix2Pix: a Stable Diffusion whose UNet also reads the source image's latents."""
    import torch
    from diffusers import StableDiffusionInstructPix2PixPipeline, UNet2DConditionModel

    torch.manual_seed(0)
    path = root / "tiny-instruct-pix2pix"
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=8,  # noisy latents + the source image's latents
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
    )
    pipe = StableDiffusionInstructPix2PixPipeline(
        unet=unet,
        **_sd_parts(stable_diffusion_dir),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(path, safe_serialization=True)
    return path


def text_to_video(root: Path, stable_diffusion_dir: Path) -> Path:
    """ModelScope-style text-to-video: a 3D UNet over the tiny Stable Diffusion's parts."""
    import torch
    from diffusers import TextToVideoSDPipeline, UNet3DConditionModel

    torch.manual_seed(0)
    path = root / "tiny-text-to-video"
    unet = UNet3DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=8,
    )
    TextToVideoSDPipeline(unet=unet, **_sd_parts(stable_diffusion_dir)).save_pretrained(
        path, safe_serialization=True
    )
    return path
