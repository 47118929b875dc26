/* Settings → Sapa: shows the sync progress (GET sapa/v1/status) and starts a sync (POST sapa/v1/sync).
   Everything from the server is written with textContent, never as HTML. */
( function () {
	'use strict';
	var config = window.sapaAdmin;
	var box = document.getElementById( 'sapa-sync-status' );
	if ( ! config || ! box ) {
		return;
	}
	var t = config.i18n;
	var timer = null;

	function call( url, method ) {
		return fetch( url, {
			method: method,
			credentials: 'same-origin',
			headers: { 'X-WP-Nonce': config.nonce, Accept: 'application/json' }
		} ).then( function ( response ) {
			return response.json().then( function ( body ) {
				if ( ! response.ok ) {
					throw new Error( body && body.message ? body.message : String( response.status ) );
				}
				return body;
			} );
		} );
	}

	function line( text ) {
		var p = document.createElement( 'p' );
		p.textContent = text;
		box.appendChild( p );
	}

	function show( state ) {
		box.textContent = '';
		if ( ! state.connected ) {
			return;
		}
		var sync = state.sync;
		line( t[ sync.status ] || sync.status );
		[ 'orders', 'customers', 'products' ].forEach( function ( name ) {
			var r = sync.resources[ name ];
			line( t[ name ] + ': ' + r.done + ( r.total === null ? '' : ' ' + t.of + ' ' + r.total ) );
		} );
		if ( sync.error ) {
			line( sync.error );
		}
		showWebhooks( state.webhooks );
		showOwner( state );
		var number = document.getElementById( 'sapa-whatsapp-number' );
		if ( number ) {
			number.textContent = state.whatsapp_number || t.noNumber;
		}
		clearTimeout( timer );
		if ( sync.status === 'pending' || sync.status === 'running' ) {
			timer = setTimeout( refresh, 5000 );
		}
	}

	// Sapa's view of its webhooks (GET /stores/me "webhooks"); null when this Sapa does not report them.
	function showWebhooks( webhooks ) {
		var remote = document.getElementById( 'sapa-webhooks-remote' );
		if ( ! remote ) {
			return;
		}
		remote.textContent = '';
		if ( ! webhooks ) {
			remote.textContent = t.webhooksUnknown;
			return;
		}
		if ( ! webhooks.length ) {
			remote.textContent = t.webhooksNone;
			return;
		}
		var list = document.createElement( 'ul' );
		webhooks.forEach( function ( webhook ) {
			var item = document.createElement( 'li' );
			item.textContent = webhook.topic + ': ' + webhook.status +
				( webhook.failures === null ? '' : ', ' + t.failures + ' ' + webhook.failures );
			list.appendChild( item );
		} );
		remote.appendChild( list );
	}

	// "Open Sapa" and the owner's invitation (GET /stores/me "owner", "dashboard_url"); the text comes
	// from the plugin's REST route, already in plain words.
	function showOwner( state ) {
		var status = document.getElementById( 'sapa-owner-status' );
		if ( status && state.owner_text ) {
			status.textContent = state.owner_text;
			status.setAttribute( 'data-status', state.owner ? state.owner.status : 'unknown' );
		}
		var open = document.getElementById( 'sapa-open' );
		if ( open && state.dashboard_url ) {
			open.setAttribute( 'href', state.dashboard_url );
			open.hidden = false;
		}
	}

	function fail( error ) {
		box.textContent = '';
		line( t.error + ' ' + error.message );
	}

	function refresh() {
		call( config.statusUrl, 'GET' ).then( show, fail );
	}

	var resume = document.getElementById( 'sapa-sync-resume' );
	if ( resume ) {
		resume.addEventListener( 'click', function () {
			resume.disabled = true;
			call( config.syncUrl, 'POST' ).then( function () {
				line( t.started );
				refresh();
			}, fail ).then( function () {
				resume.disabled = false;
			} );
		} );
	}

	var disconnect = document.getElementById( 'sapa-disconnect-form' );
	if ( disconnect ) {
		disconnect.addEventListener( 'submit', function ( event ) {
			if ( ! window.confirm( t.confirm ) ) {
				event.preventDefault();
			}
		} );
	}

	refresh();
}() );
