<?php
/**
 * Settings → Sapa: connection, WhatsApp sender, sync progress and the storefront button.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders the settings page; the forms post to Sapa_Admin_Actions. Everything printed is escaped here.
 */
class Sapa_Settings_Page {

	const SLUG = 'sapa';

	/**
	 * The page's hook suffix (and screen id).
	 */
	const SCREEN = 'settings_page_sapa';

	/**
	 * URL of the settings page.
	 *
	 * @return string
	 */
	public static function url() {
		return admin_url( 'options-general.php?page=' . self::SLUG );
	}

	/**
	 * Adds Settings → Sapa.
	 */
	public function add_menu() {
		add_options_page( __( 'Sapa', 'sapa' ), __( 'Sapa', 'sapa' ), Sapa_Plugin::CAPABILITY, self::SLUG, array( $this, 'render' ) );
	}

	/**
	 * "Settings" link on the Plugins screen.
	 *
	 * @param array $links Existing links.
	 * @return array
	 */
	public function action_links( $links ) {
		array_unshift( $links, '<a href="' . esc_url( self::url() ) . '">' . esc_html__( 'Settings', 'sapa' ) . '</a>' );
		return $links;
	}

	/**
	 * The sync-status script, only on this page and only when connected.
	 *
	 * @param string $hook_suffix Current admin page.
	 */
	public function enqueue( $hook_suffix ) {
		if ( self::SCREEN !== $hook_suffix || ! Sapa_Options::is_connected() ) {
			return;
		}
		wp_enqueue_script( 'sapa-admin', plugins_url( 'assets/js/sapa-admin.js', SAPA_PLUGIN_FILE ), array(), SAPA_VERSION, true );
		wp_localize_script(
			'sapa-admin',
			'sapaAdmin',
			array(
				'statusUrl' => esc_url_raw( rest_url( Sapa_Rest::NAMESPACE_V1 . '/status' ) ),
				'syncUrl'   => esc_url_raw( rest_url( Sapa_Rest::NAMESPACE_V1 . '/sync' ) ),
				'nonce'     => wp_create_nonce( 'wp_rest' ),
				'i18n'      => array(
					'pending'         => __( 'Waiting to start', 'sapa' ),
					'running'         => __( 'Copying', 'sapa' ),
					'done'            => __( 'Up to date', 'sapa' ),
					'failed'          => __( 'Stopped with an error', 'sapa' ),
					'orders'          => __( 'Orders', 'sapa' ),
					'customers'       => __( 'Customers', 'sapa' ),
					'products'        => __( 'Products', 'sapa' ),
					'of'              => __( 'of', 'sapa' ),
					'noNumber'        => __( 'not assigned yet', 'sapa' ),
					'error'           => __( 'Could not load the sync status:', 'sapa' ),
					'started'         => __( 'Sync started.', 'sapa' ),
					'failures'        => __( 'failed deliveries:', 'sapa' ),
					'webhooksNone'    => __( 'Sapa reports no webhooks in this shop.', 'sapa' ),
					'webhooksUnknown' => __( 'This Sapa server does not report its webhooks.', 'sapa' ),
					'confirm'         => __( 'Disconnect this shop from Sapa? Sapa stops receiving orders and its WooCommerce key is deleted.', 'sapa' ),
				),
			)
		);
	}

	/**
	 * Prints queued notices on this page (admin_notices).
	 */
	public function render_notices() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( null === $screen || self::SCREEN !== $screen->id ) {
			return;
		}
		foreach ( Sapa_Notices::take() as $notice ) {
			$type = in_array( $notice['type'], array( 'success', 'error', 'warning', 'info' ), true ) ? $notice['type'] : 'info';
			printf( '<div class="notice notice-%1$s is-dismissible"><p>%2$s</p></div>', esc_attr( $type ), esc_html( $notice['message'] ) );
		}
	}

	/**
	 * The page.
	 */
	public function render() {
		if ( ! current_user_can( Sapa_Plugin::CAPABILITY ) ) {
			return;
		}
		$connection = Sapa_Options::connection();
		?>
		<div class="wrap">
			<h1><?php esc_html_e( 'Sapa', 'sapa' ); ?></h1>
			<?php
			if ( null === $connection ) {
				$this->render_connect_form();
			} else {
				$this->render_connection( $connection );
			}
			$this->render_button_form();
			?>
		</div>
		<?php
	}

	/**
	 * The connect form.
	 */
	private function render_connect_form() {
		?>
		<h2><?php esc_html_e( 'Connect this shop', 'sapa' ); ?></h2>
		<?php if ( ! Sapa_WooCommerce::is_active() ) : ?>
			<div class="notice notice-warning inline"><p><?php esc_html_e( 'WooCommerce is not active. Sapa needs WooCommerce to read orders, customers and products.', 'sapa' ); ?></p></div>
		<?php endif; ?>
		<p><?php esc_html_e( 'Sapa receives a WooCommerce REST API key (read/write) for this shop, creates webhooks for orders, customers and products, and copies the last six months.', 'sapa' ); ?></p>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="<?php echo esc_attr( Sapa_Admin_Actions::CONNECT ); ?>" />
			<?php wp_nonce_field( Sapa_Admin_Actions::CONNECT ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="sapa-api-url"><?php esc_html_e( 'Sapa API URL', 'sapa' ); ?></label></th>
					<td><input type="url" class="regular-text code" id="sapa-api-url" name="sapa[api_url]" required placeholder="https://api.sapa.example" /></td>
				</tr>
				<tr>
					<th scope="row"><label for="sapa-connect-token"><?php esc_html_e( 'Connect token', 'sapa' ); ?></label></th>
					<td>
						<input type="password" class="regular-text" id="sapa-connect-token" name="sapa[connect_token]" required autocomplete="off" aria-describedby="sapa-connect-token-help" />
						<p class="description" id="sapa-connect-token-help"><?php esc_html_e( 'Given to you by whoever runs your Sapa server. It is used once and not stored.', 'sapa' ); ?></p>
					</td>
				</tr>
				<?php $this->render_sender_fields( 'provision', '' ); ?>
			</table>
			<?php submit_button( __( 'Connect', 'sapa' ) ); ?>
		</form>
		<?php
	}

	/**
	 * State of a connected shop, the sync progress, the sender form and Disconnect.
	 *
	 * @param array $connection Connection record.
	 */
	private function render_connection( array $connection ) {
		$mode   = isset( $connection['whatsapp_mode'] ) ? (string) $connection['whatsapp_mode'] : 'provision';
		$number = isset( $connection['whatsapp_number'] ) ? (string) $connection['whatsapp_number'] : '';
		?>
		<h2><?php esc_html_e( 'Connection', 'sapa' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Status', 'sapa' ); ?></th>
				<td>
					<?php
					printf(
						/* translators: 1: Sapa API URL, 2: last four characters of the API key */
						esc_html__( 'Connected to %1$s (API key ending in ...%2$s).', 'sapa' ),
						'<code>' . esc_html( $connection['api_url'] ) . '</code>',
						esc_html( isset( $connection['api_key_last4'] ) ? $connection['api_key_last4'] : '' )
					);
					?>
				</td>
			</tr>
			<?php $this->render_dashboard_row( $connection ); ?>
			<tr>
				<th scope="row"><?php esc_html_e( 'Store ID', 'sapa' ); ?></th>
				<td><code><?php echo esc_html( $connection['store_id'] ); ?></code></td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'WhatsApp number', 'sapa' ); ?></th>
				<td id="sapa-whatsapp-number"><?php echo '' === $number ? esc_html__( 'not assigned yet', 'sapa' ) : esc_html( $number ); ?></td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'Sync', 'sapa' ); ?></th>
				<td>
					<div id="sapa-sync-status" aria-live="polite"><?php esc_html_e( 'Loading...', 'sapa' ); ?></div>
					<p><button type="button" class="button" id="sapa-sync-resume"><?php esc_html_e( 'Start or resume sync', 'sapa' ); ?></button></p>
				</td>
			</tr>
		</table>

		<?php $this->render_webhooks( (string) $connection['store_id'] ); ?>

		<h2><?php esc_html_e( 'WhatsApp sender', 'sapa' ); ?></h2>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="<?php echo esc_attr( Sapa_Admin_Actions::WHATSAPP ); ?>" />
			<?php wp_nonce_field( Sapa_Admin_Actions::WHATSAPP ); ?>
			<table class="form-table" role="presentation">
				<?php $this->render_sender_fields( $mode, 'own' === $mode ? $number : '' ); ?>
			</table>
			<?php submit_button( __( 'Save sender', 'sapa' ), 'secondary' ); ?>
		</form>

		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" id="sapa-disconnect-form">
			<input type="hidden" name="action" value="<?php echo esc_attr( Sapa_Admin_Actions::DISCONNECT ); ?>" />
			<?php wp_nonce_field( Sapa_Admin_Actions::DISCONNECT ); ?>
			<?php submit_button( __( 'Disconnect from Sapa', 'sapa' ), 'delete', 'submit', false ); ?>
		</form>
		<?php
	}

	/**
	 * "Open Sapa" (the dashboard, where the team answers customers) and whether the owner's invitation was
	 * accepted; sapa-admin.js keeps both current from GET /stores/me.
	 *
	 * @param array $connection Connection record.
	 */
	private function render_dashboard_row( array $connection ) {
		$url   = isset( $connection['dashboard_url'] ) ? (string) $connection['dashboard_url'] : '';
		$owner = isset( $connection['owner'] ) && is_array( $connection['owner'] ) ? $connection['owner'] : null;
		?>
		<tr>
			<th scope="row"><?php esc_html_e( 'Sapa dashboard', 'sapa' ); ?></th>
			<td>
				<p>
					<a class="button button-primary" id="sapa-open" href="<?php echo esc_url( $url ); ?>" target="_blank" rel="noopener noreferrer" <?php echo '' === $url ? 'hidden' : ''; ?>><?php esc_html_e( 'Open Sapa', 'sapa' ); ?></a>
				</p>
				<p id="sapa-owner-status" data-status="<?php echo esc_attr( null === $owner ? 'unknown' : $owner['status'] ); ?>"><?php echo esc_html( self::owner_text( $owner ) ); ?></p>
			</td>
		</tr>
		<?php
	}

	/**
	 * The owner's invitation in plain words.
	 *
	 * @param array|null $owner Sapa_Connection::owner_from() result.
	 * @return string
	 */
	public static function owner_text( $owner ) {
		if ( ! is_array( $owner ) ) {
			return __( 'This Sapa server does not report the owner\'s invitation.', 'sapa' );
		}
		$email = isset( $owner['email'] ) ? (string) $owner['email'] : '';
		switch ( $owner['status'] ) {
			case 'accepted':
				/* translators: %s: e-mail address */
				$text = sprintf( __( 'Invitation accepted: %s signs in to Sapa as the store\'s owner.', 'sapa' ), $email );
				break;
			case 'pending':
				/* translators: %s: e-mail address */
				$text = sprintf( __( 'Invitation sent to %s, not accepted yet: open the link in that e-mail to set a password.', 'sapa' ), $email );
				break;
			case 'expired':
				/* translators: %s: e-mail address */
				$text = sprintf( __( 'The invitation to %s expired without being accepted. Disconnect and connect again to receive a new one.', 'sapa' ), $email );
				break;
			case 'revoked':
				/* translators: %s: e-mail address */
				$text = sprintf( __( 'The invitation to %s was revoked.', 'sapa' ), $email );
				break;
			default:
				$text = __( 'No owner has been invited yet.', 'sapa' );
		}
		if ( ! empty( $owner['error'] ) ) {
			/* translators: %s: why the e-mail was not sent */
			$text .= ' ' . sprintf( __( 'The invitation e-mail could not be sent: %s', 'sapa' ), $owner['error'] );
		}
		return $text;
	}

	/**
	 * Sapa's webhooks: as WooCommerce keeps them here, with the failed pings and deliveries the plugin
	 * recorded, and (filled in by sapa-admin.js from GET /stores/me) as Sapa sees them.
	 *
	 * @param string $store_id Sapa store id.
	 */
	private function render_webhooks( $store_id ) {
		$webhooks = Sapa_Webhooks::in_shop( $store_id );
		$shown    = array_column( $webhooks, 'id' );
		$others   = array_filter(
			Sapa_Webhooks::failing(),
			function ( $failure ) use ( $shown ) {
				return ! in_array( $failure['id'], $shown, true );
			}
		);
		?>
		<h2><?php esc_html_e( 'Webhooks to Sapa', 'sapa' ); ?></h2>
		<p><?php esc_html_e( 'WooCommerce sends every change of an order, customer or product to Sapa through these webhooks. It sends each change once, and disables a webhook after 7 failed deliveries in a row.', 'sapa' ); ?></p>
		<?php if ( array() === $webhooks ) : ?>
			<p id="sapa-webhooks-none"><?php esc_html_e( 'No webhook to Sapa was found in WooCommerce.', 'sapa' ); ?></p>
		<?php else : ?>
			<table class="widefat striped" id="sapa-webhooks">
				<thead>
					<tr>
						<th scope="col"><?php esc_html_e( 'Topic', 'sapa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Status in WooCommerce', 'sapa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Failed deliveries in a row', 'sapa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Problem', 'sapa' ); ?></th>
					</tr>
				</thead>
				<tbody>
				<?php foreach ( $webhooks as $webhook ) : ?>
					<tr class="<?php echo esc_attr( $this->webhook_has_problem( $webhook ) ? 'sapa-webhook-problem' : 'sapa-webhook-ok' ); ?>">
						<td><code><?php echo esc_html( $webhook['topic'] ); ?></code></td>
						<td><?php echo esc_html( $webhook['status'] ); ?></td>
						<td><?php echo esc_html( (string) $webhook['failure_count'] ); ?></td>
						<td><?php echo esc_html( $this->webhook_problem( $webhook ) ); ?></td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>
		<?php endif; ?>
		<?php foreach ( $others as $failure ) : ?>
			<div class="notice notice-error inline sapa-webhook-failure"><p>
				<?php
				printf(
					/* translators: 1: webhook id and topic, 2: the error */
					esc_html__( 'Webhook %1$s could not reach Sapa: %2$s', 'sapa' ),
					esc_html( trim( '#' . (int) $failure['id'] . ' ' . $failure['topic'] ) ),
					esc_html( $failure['last_error'] )
				);
				?>
			</p></div>
		<?php endforeach; ?>
		<h3><?php esc_html_e( 'As Sapa sees them', 'sapa' ); ?></h3>
		<div id="sapa-webhooks-remote" aria-live="polite"><?php esc_html_e( 'Loading...', 'sapa' ); ?></div>
		<?php
	}

	/**
	 * Whether a webhook needs the owner's attention.
	 *
	 * @param array $webhook Sapa_Webhooks::in_shop() entry.
	 * @return bool
	 */
	private function webhook_has_problem( array $webhook ) {
		return '' !== $this->webhook_problem( $webhook );
	}

	/**
	 * What is wrong with a webhook, in plain words ('' when nothing).
	 *
	 * @param array $webhook Sapa_Webhooks::in_shop() entry.
	 * @return string
	 */
	private function webhook_problem( array $webhook ) {
		$problems = array();
		if ( 'active' !== $webhook['status'] ) {
			$problems[] = 'disabled' === $webhook['status']
				? __( 'WooCommerce disabled it after failed deliveries: changes are not sent to Sapa.', 'sapa' )
				: __( 'It is not active: changes are not sent to Sapa.', 'sapa' );
		}
		if ( $webhook['ping_pending'] ) {
			$problems[] = __( 'WooCommerce\'s test ping never reached Sapa.', 'sapa' );
		}
		if ( '' !== $webhook['last_error'] ) {
			$problems[] = $webhook['last_error'];
		}
		return implode( ' ', $problems );
	}

	/**
	 * Sender choice rows (inside a form-table). The Twilio token field is write-only: always empty.
	 *
	 * @param string $mode   'provision' or 'own'.
	 * @param string $number Current own number.
	 */
	private function render_sender_fields( $mode, $number ) {
		?>
		<tr>
			<th scope="row"><?php esc_html_e( 'WhatsApp sender', 'sapa' ); ?></th>
			<td>
				<fieldset>
					<legend class="screen-reader-text"><?php esc_html_e( 'WhatsApp sender', 'sapa' ); ?></legend>
					<label><input type="radio" name="sapa[whatsapp_mode]" value="provision" <?php checked( 'own' !== $mode ); ?> /> <?php esc_html_e( 'Get a number from Sapa', 'sapa' ); ?></label><br />
					<label><input type="radio" name="sapa[whatsapp_mode]" value="own" <?php checked( 'own' === $mode ); ?> /> <?php esc_html_e( 'Use my own Twilio WhatsApp sender', 'sapa' ); ?></label>
				</fieldset>
			</td>
		</tr>
		<tr>
			<th scope="row"><label for="sapa-whatsapp-number-input"><?php esc_html_e( 'Own WhatsApp number', 'sapa' ); ?></label></th>
			<td><input type="tel" class="regular-text" id="sapa-whatsapp-number-input" name="sapa[whatsapp_number]" value="<?php echo esc_attr( $number ); ?>" placeholder="+62 811 0000 0001" /></td>
		</tr>
		<tr>
			<th scope="row"><label for="sapa-twilio-sid"><?php esc_html_e( 'Twilio Account SID', 'sapa' ); ?></label></th>
			<td><input type="text" class="regular-text code" id="sapa-twilio-sid" name="sapa[twilio_account_sid]" value="" autocomplete="off" placeholder="AC…" /></td>
		</tr>
		<tr>
			<th scope="row"><label for="sapa-twilio-token"><?php esc_html_e( 'Twilio Auth Token', 'sapa' ); ?></label></th>
			<td>
				<input type="password" class="regular-text" id="sapa-twilio-token" name="sapa[twilio_auth_token]" value="" autocomplete="new-password" aria-describedby="sapa-twilio-token-help" />
				<p class="description" id="sapa-twilio-token-help"><?php esc_html_e( 'Only for your own sender. Sent to Sapa, never stored in WordPress and never shown again.', 'sapa' ); ?></p>
			</td>
		</tr>
		<?php
	}

	/**
	 * The storefront button form.
	 */
	private function render_button_form() {
		$settings = Sapa_Options::settings();
		?>
		<h2><?php esc_html_e( 'WhatsApp button', 'sapa' ); ?></h2>
		<p><?php esc_html_e( 'A floating button that opens a WhatsApp chat with the shop. It shows once the shop is connected and has a WhatsApp number.', 'sapa' ); ?></p>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="<?php echo esc_attr( Sapa_Admin_Actions::SAVE_SETTINGS ); ?>" />
			<?php wp_nonce_field( Sapa_Admin_Actions::SAVE_SETTINGS ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="sapa-button-label"><?php esc_html_e( 'Button label', 'sapa' ); ?></label></th>
					<td><input type="text" class="regular-text" id="sapa-button-label" name="sapa[button_label]" maxlength="<?php echo esc_attr( Sapa_Options::MAX_LABEL ); ?>" required value="<?php echo esc_attr( $settings['button_label'] ); ?>" /></td>
				</tr>
				<tr>
					<th scope="row"><label for="sapa-message"><?php esc_html_e( 'Pre-filled message', 'sapa' ); ?></label></th>
					<td><textarea class="large-text" rows="3" id="sapa-message" name="sapa[message]" maxlength="<?php echo esc_attr( Sapa_Options::MAX_MESSAGE ); ?>"><?php echo esc_textarea( $settings['message'] ); ?></textarea></td>
				</tr>
				<tr>
					<th scope="row"><label for="sapa-position"><?php esc_html_e( 'Position', 'sapa' ); ?></label></th>
					<td>
						<select id="sapa-position" name="sapa[position]">
							<option value="right" <?php selected( $settings['position'], 'right' ); ?>><?php esc_html_e( 'Bottom right', 'sapa' ); ?></option>
							<option value="left" <?php selected( $settings['position'], 'left' ); ?>><?php esc_html_e( 'Bottom left', 'sapa' ); ?></option>
						</select>
					</td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Pages', 'sapa' ); ?></th>
					<td>
						<fieldset>
							<legend class="screen-reader-text"><?php esc_html_e( 'Pages', 'sapa' ); ?></legend>
							<label><input type="radio" name="sapa[pages]" value="all" <?php checked( $settings['pages'], 'all' ); ?> /> <?php esc_html_e( 'All pages', 'sapa' ); ?></label><br />
							<label><input type="radio" name="sapa[pages]" value="only" <?php checked( $settings['pages'], 'only' ); ?> /> <?php esc_html_e( 'Only the pages listed below', 'sapa' ); ?></label><br />
							<label><input type="radio" name="sapa[pages]" value="except" <?php checked( $settings['pages'], 'except' ); ?> /> <?php esc_html_e( 'All pages except those listed below', 'sapa' ); ?></label>
						</fieldset>
						<p>
							<label for="sapa-page-ids"><?php esc_html_e( 'Page or post IDs, separated by commas', 'sapa' ); ?></label><br />
							<input type="text" class="regular-text" id="sapa-page-ids" name="sapa[page_ids]" inputmode="numeric" value="<?php echo esc_attr( implode( ', ', array_map( 'intval', (array) $settings['page_ids'] ) ) ); ?>" />
						</p>
						<p><label><input type="checkbox" name="sapa[hide_on_checkout]" value="1" <?php checked( ! empty( $settings['hide_on_checkout'] ) ); ?> /> <?php esc_html_e( 'Hide on the cart and checkout pages', 'sapa' ); ?></label></p>
					</td>
				</tr>
			</table>
			<?php submit_button( __( 'Save button settings', 'sapa' ) ); ?>
		</form>
		<?php
	}
}
