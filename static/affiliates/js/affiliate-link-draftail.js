/**
 * The rich-text editor's “Affiliate link” button.
 *
 * Editors pick a managed AffiliateLink in Wagtail's snippet chooser; the text
 * becomes an AFFILIATE_LINK entity holding the link's id (plus its name and
 * admin URL, for display only). The server stores <a linktype="affiliate" id="…">
 * and renders the site's own /go/ address, so no partner URL ever enters the text.
 *
 * Plain script, no build step: uses the React, Draft.js and Draftail globals the
 * Wagtail admin exposes.
 */
(() => {
  const { React, DraftJS, draftail } = window;
  if (!React || !DraftJS || !draftail) {
    return;
  }
  const { EditorState, Modifier, RichUtils } = DraftJS;
  const ENTITY_TYPE = 'AFFILIATE_LINK';

  /** Opens the snippet chooser and turns the chosen link into an entity. */
  class AffiliateLinkSource extends draftail.ModalWorkflowSource {
    getChooserConfig() {
      const { entityType } = this.props;
      return {
        url: entityType.chooserUrls.affiliateLinkChooser,
        urlParams: {},
        onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
        responses: { chosen: this.onChosen },
      };
    }

    filterEntityData(data) {
      return { id: Number(data.id), name: data.string, url: data.edit_url || null };
    }

    onChosen(data) {
      const { editorState, entityType, onComplete } = this.props;
      const selection = editorState.getSelection();
      const content = editorState
        .getCurrentContent()
        // Mutable, like ordinary links: editing the words keeps the link.
        .createEntity(entityType.type, 'MUTABLE', this.filterEntityData(data));
      const entityKey = content.getLastCreatedEntityKey();

      let nextState;
      if (selection.isCollapsed()) {
        // Nothing selected: insert the link's name as the linked words.
        const withText = Modifier.insertText(content, selection, data.string, null, entityKey);
        nextState = EditorState.push(editorState, withText, 'insert-characters');
      } else {
        nextState = RichUtils.toggleLink(editorState, selection, entityKey);
      }

      this.workflow.close();
      onComplete(nextState);
    }
  }

  const icon = React.createElement(
    'svg',
    { className: 'icon icon-link-external TooltipEntity__icon', 'aria-hidden': 'true' },
    React.createElement('use', { href: '#icon-link-external' }),
  );
  const missingIcon = React.createElement(
    'svg',
    { className: 'icon icon-warning TooltipEntity__icon', 'aria-hidden': 'true' },
    React.createElement('use', { href: '#icon-warning' }),
  );

  /** Shows linked words with the chosen link's name; click for Edit / Remove. */
  const AffiliateLink = (props) => {
    const { entityKey, contentState } = props;
    const data = contentState.getEntity(entityKey).getData();
    const name = data.name || 'Missing affiliate link';

    return React.createElement(
      'span',
      {
        className: data.name ? 'affiliate-link-entity' : 'affiliate-link-entity affiliate-link-entity--missing',
        // The tooltip shortens long names; hovering shows the whole one.
        title: data.name ? `Affiliate link: ${data.name}` : name,
        'data-affiliate-link-id': data.id,
      },
      React.createElement(draftail.TooltipEntity, {
        ...props,
        icon: data.name ? icon : missingIcon,
        label: name,
        url: data.url || null,
      }),
    );
  };

  draftail.registerPlugin(
    { type: ENTITY_TYPE, source: AffiliateLinkSource, decorator: AffiliateLink },
    'entityTypes',
  );
})();
