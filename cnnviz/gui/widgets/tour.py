"""Words for students: the short tour (Help > A short tour) and the "what am I looking at"
notes of the panels that do not write their own (the explain views write theirs from their
results)."""
from __future__ import annotations

#: the note of each panel by its dock key (two or three sentences each)
PANEL_NOTES = {
    "strip": ("The forward pass, one entry per layer from the input to the softmax: what the layer is, "
              "what it outputs and how much of the input one of its cells sees. Click an entry (or press "
              "← →) to show that layer in the other panels."),
    "featuremaps": ("Every map the selected layer makes of the input: black is 0, warm colours positive, "
                    "cold colours negative. Click a map to enlarge it, then a cell to see how it is computed "
                    "(Step-through); the pixels a hovered cell depends on light up in \"What the network sees\"."),
    "filters": ("The weights the selected layer learned: red positive, blue negative, white 0. A filter is "
                "the pattern its map looks for; training turns random noise into edges and blobs."),
    "pooling": ("A pooling layer's input and output side by side. Max pooling keeps the largest number of "
                "each window (its winner is marked), so the maps shrink and the strongest responses survive."),
    "kernels": ("One fixed kernel (blur, sharpen, edges, …) applied to your drawing by the network's own "
                "convolution: what a single filter does, with no training. Edit the numbers to make your own."),
    "training": ("Train the network live: pick a data set and a network and press Train; every panel "
                 "follows the weights as they learn, and your drawing is answered by them."),
    "curves": ("How training goes: the loss (how wrong the answers are, lower is better) and the accuracy on "
               "training and test images, step by step."),
    "timelapse": ("The weights kept during training: scrub back to see the filters and your drawing's maps "
                  "as they were at an earlier step."),
}

TOUR = """
<h3>A short tour of cnnviz</h3>
<ol>
<li><b>Draw</b> a digit in the middle. <i>What the network sees</i> is the 28×28 picture of numbers
it really receives; the prediction and the <i>Probabilities</i> follow every stroke.</li>
<li><b>Walk the forward pass</b> in the <i>Network</i> strip at the top (or with ← →): each layer's
output appears in <i>Feature maps</i>, its weights in <i>Filters</i>. The strip says how much of the
input one cell of each layer sees ("sees 10x10").</li>
<li><b>Hover a cell</b> of a feature map: the input pixels it depends on light up in <i>What the
network sees</i> (its receptive field).</li>
<li><b>Click a map</b> to enlarge it, then <b>click a cell</b>: <i>Step-through › Forward</i> shows how
that number is computed, the input under the window, the kernel, their products, the sum, the bias,
down to the value stored in the map. ▶ slides the window over the whole map.</li>
<li><b>Why</b> (beside the bars; on a small screen a tab beside Training) shows which pixels the answer depends on: saliency,
Grad-CAM and occlusion. Click a bar in <i>Probabilities</i> to explain that class instead.</li>
<li><b>Step-through › Backward</b>: pick the true label of your drawing and see one training step's
gradients, layer by layer (← → to step). <i>Teach it this drawing</i> trains a copy of the network on
it and shows how the answer moves; <i>Undo</i> forgets the copy.</li>
<li><b>Step-through › Toy</b>: the worked examples of convolution and max pooling on a tiny image you
can edit, with the padding drawn and the im2col matrix.</li>
<li><b>Train</b> in the <i>Training</i> panel and watch everything change live.</li>
</ol>
<p><i>Help › Notes for students</i> puts two or three sentences at the top of every panel saying what
it shows.</p>
"""

