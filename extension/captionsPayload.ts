import * as vscode from 'vscode';
import type { SampleResult } from '../protocol/jobs';
import type { CaptionsPayload } from '../protocol/webview';

/** The gallery payload, with local images turned into webview URIs (pictures drawn from scenes come as data: URLs). */
export function captionsPayload(r: SampleResult, webview: vscode.Webview): CaptionsPayload {
  return {
    model: r.model,
    items: r.items.map((it) => ({
      split: it.split,
      imageIndex: it.imageIndex,
      src: it.image.kind === 'url' ? it.image.url : it.image.kind === 'file' ? webview.asWebviewUri(vscode.Uri.file(it.image.path)).toString() : it.image.kind === 'picture' ? it.image.dataUrl : '',
      label: it.image.kind === 'url' ? it.image.url : it.image.kind === 'file' || it.image.kind === 'picture' ? it.image.label : it.image.reason,
      groundTruth: it.groundTruth,
      samples: it.samples,
    })),
  };
}
